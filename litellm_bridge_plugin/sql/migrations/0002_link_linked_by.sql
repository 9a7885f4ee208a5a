-- 0002: who decided a link. Idempotent, as 0001: installations made before migrations were
-- numbered may already have the column.

-- Who decided a link: 'bridge' (it created the Open WebUI row), 'auto' (it linked an account
-- that existed, as BRIDGE_LINK_EXISTING allows) or 'operator' (`litellm-bridge link`: the
-- mapped role then applies in full, admin included). Added to installations made before it,
-- whose links keep what they were.
DO $$
BEGIN
    IF NOT EXISTS (
        SELECT FROM pg_attribute
        WHERE attrelid = 'litellm_bridge.link'::regclass AND attname = 'linked_by'
          AND NOT attisdropped
    ) THEN
        ALTER TABLE litellm_bridge.link ADD COLUMN linked_by text NOT NULL DEFAULT 'auto'
            CHECK (linked_by IN ('bridge', 'auto', 'operator'));
        UPDATE litellm_bridge.link SET linked_by = 'bridge' WHERE created_by_bridge;
    END IF;
END $$;

