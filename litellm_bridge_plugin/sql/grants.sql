-- Least-privilege roles for the bridge (`litellm-bridge grants` prints these, filled in).
-- {role} is the bridge's login role; run each part as the owner of that database.

-- name: litellm
-- On LiteLLM's database: read LiteLLM's tables, own the litellm_bridge schema, and (only for
-- `install-triggers`) put triggers on the six tables it watches. The trigger functions run
-- as their owner (SECURITY DEFINER), so LiteLLM's own role needs nothing new.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {role_literal}) THEN
        CREATE ROLE {role} LOGIN;  -- then: ALTER ROLE ... PASSWORD '...'
    END IF;
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), {role_literal});
END $$;
GRANT USAGE ON SCHEMA public TO {role};
GRANT SELECT ON "LiteLLM_UserTable", "LiteLLM_TeamTable", "LiteLLM_OrganizationTable",
    "LiteLLM_TeamMembership", "LiteLLM_OrganizationMembership", "LiteLLM_VerificationToken",
    "LiteLLM_BudgetTable", "LiteLLM_ModelTable", "LiteLLM_ProxyModelTable" TO {role};
GRANT TRIGGER ON "LiteLLM_UserTable", "LiteLLM_TeamTable", "LiteLLM_OrganizationTable",
    "LiteLLM_TeamMembership", "LiteLLM_OrganizationMembership", "LiteLLM_VerificationToken"
    TO {role};
CREATE SCHEMA IF NOT EXISTS litellm_bridge AUTHORIZATION {role};
-- The trigger functions run with the role's rights: only triggers and the role itself may call
-- them (install-triggers revokes this too). A trigger fires its function whatever EXECUTE says.
ALTER DEFAULT PRIVILEGES FOR ROLE {role} REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA litellm_bridge FROM PUBLIC;

-- name: openwebui
-- On Open WebUI's database: read the tables the bridge reads, write only those it manages
-- (accounts and logins, groups and members, model rows and their grants, API keys it
-- revokes). Tables a release does not have are skipped.
DO $$
DECLARE
    wanted CONSTANT text[][] := ARRAY[
        ['user', 'SELECT, INSERT, UPDATE, DELETE'],
        ['auth', 'SELECT, INSERT, UPDATE, DELETE'],
        ['group', 'SELECT, INSERT, UPDATE, DELETE'],
        ['group_member', 'SELECT, INSERT, UPDATE, DELETE'],
        ['model', 'SELECT, INSERT, UPDATE, DELETE'],
        ['access_grant', 'SELECT, INSERT, DELETE'],
        ['api_key', 'SELECT, DELETE'],
        ['config', 'SELECT'],
        ['alembic_version', 'SELECT']];
    item text[];
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {role_literal}) THEN
        CREATE ROLE {role} LOGIN;  -- then: ALTER ROLE ... PASSWORD '...'
    END IF;
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), {role_literal});
    EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', {role_literal});
    FOREACH item SLICE 1 IN ARRAY wanted LOOP
        IF to_regclass(format('public.%I', item[1])) IS NOT NULL THEN
            EXECUTE format('GRANT %s ON public.%I TO %I', item[2], item[1], {role_literal});
        END IF;
    END LOOP;
END $$;
