-- Reads of LiteLLM's own tables (created by litellm_proxy_extras migrations). Read-only.

-- name: users
-- Every LiteLLM user with the fields the bridge maps. Passwords are never read.
SELECT user_id, user_email, user_alias, user_role, teams, team_id, organization_id, models
FROM "LiteLLM_UserTable"
ORDER BY user_id;

-- name: teams
-- Every team; members_with_roles is a JSON list of {"user_id", "role", ...}.
SELECT team_id, team_alias, organization_id, members_with_roles, blocked, models
FROM "LiteLLM_TeamTable"
ORDER BY team_id;

-- name: organizations
-- Every organisation with the max_budget of its budget row.
SELECT o.organization_id, o.organization_alias, b.max_budget, o.models
FROM "LiteLLM_OrganizationTable" o
LEFT JOIN "LiteLLM_BudgetTable" b ON b.budget_id = o.budget_id
ORDER BY o.organization_id;

-- name: team_memberships
SELECT user_id, team_id FROM "LiteLLM_TeamMembership";

-- name: organization_memberships
SELECT user_id, organization_id FROM "LiteLLM_OrganizationMembership";

-- name: counts
SELECT (SELECT count(*) FROM "LiteLLM_UserTable") AS users,
       (SELECT count(*) FROM "LiteLLM_TeamTable") AS teams,
       (SELECT count(*) FROM "LiteLLM_OrganizationTable") AS organizations;

-- Scoped reads: a reconcile of a few entities reads only what they touch.

-- name: groups_of_users
-- Teams and organisations the given users belong to, in any of LiteLLM's records.
SELECT 'team' AS kind, t AS id FROM "LiteLLM_UserTable", unnest(teams) AS t
WHERE user_id = ANY(%(users)s)
UNION SELECT 'team', team_id FROM "LiteLLM_UserTable"
WHERE user_id = ANY(%(users)s) AND team_id IS NOT NULL
UNION SELECT 'team', team_id FROM "LiteLLM_TeamMembership" WHERE user_id = ANY(%(users)s)
-- (containment, not each member expanded: every team's JSON is read, an element at a time)
UNION SELECT 'team', t.team_id FROM "LiteLLM_TeamTable" t
WHERE t.members_with_roles @> ANY(
    SELECT jsonb_build_array(jsonb_build_object('user_id', u)) FROM unnest(%(users)s::text[]) u)
UNION SELECT 'organization', organization_id FROM "LiteLLM_UserTable"
WHERE user_id = ANY(%(users)s) AND organization_id IS NOT NULL
UNION SELECT 'organization', organization_id FROM "LiteLLM_OrganizationMembership"
WHERE user_id = ANY(%(users)s);

-- name: members_of_groups
-- Every user any record places in the given teams or organisations.
SELECT user_id FROM "LiteLLM_TeamMembership" WHERE team_id = ANY(%(teams)s)
UNION SELECT user_id FROM "LiteLLM_UserTable"
WHERE teams && %(teams)s::text[] OR team_id = ANY(%(teams)s)
   OR organization_id = ANY(%(organizations)s)
UNION SELECT m->>'user_id' FROM "LiteLLM_TeamTable" t,
    jsonb_array_elements(CASE WHEN jsonb_typeof(t.members_with_roles) = 'array'
                              THEN t.members_with_roles ELSE '[]'::jsonb END) AS m
WHERE t.team_id = ANY(%(teams)s) AND m->>'user_id' IS NOT NULL
UNION SELECT user_id FROM "LiteLLM_OrganizationMembership"
WHERE organization_id = ANY(%(organizations)s);

-- name: users_sharing_emails
-- Users whose email is one of the given ones in any case, for duplicate checks, by LiteLLM's
-- own index on lower(user_email) (1.106+). A stored email with spaces around it is not found
-- here (trimming would read every user): full reads (sweeps) compare those; a change signal
-- for its twin treats the twin as alone until then (README "Scale").
SELECT user_id FROM "LiteLLM_UserTable" WHERE lower(user_email) = ANY(%(emails)s);

-- name: emails_of_users
SELECT lower(btrim(user_email)) AS email FROM "LiteLLM_UserTable"
WHERE user_id = ANY(%(users)s) AND user_email IS NOT NULL;

-- name: users_by_id
SELECT user_id, user_email, user_alias, user_role, teams, team_id, organization_id, models
FROM "LiteLLM_UserTable" WHERE user_id = ANY(%(users)s) ORDER BY user_id;

-- name: teams_by_id
SELECT team_id, team_alias, organization_id, members_with_roles, blocked, models
FROM "LiteLLM_TeamTable" WHERE team_id = ANY(%(teams)s)
ORDER BY team_id;

-- name: organizations_by_id
SELECT o.organization_id, o.organization_alias, b.max_budget, o.models
FROM "LiteLLM_OrganizationTable" o
LEFT JOIN "LiteLLM_BudgetTable" b ON b.budget_id = o.budget_id
WHERE o.organization_id = ANY(%(organizations)s)
ORDER BY o.organization_id;

-- name: other_group_names
-- The aliases of every other team and organisation: group names are decided across all of
-- them (plan/desired.py group_names), nothing else of them is needed.
SELECT 'organization' AS kind, organization_id AS id, organization_alias AS alias
FROM "LiteLLM_OrganizationTable" WHERE organization_id <> ALL(%(organizations)s)
UNION ALL
SELECT 'team', team_id, team_alias FROM "LiteLLM_TeamTable" WHERE team_id <> ALL(%(teams)s);

-- name: team_memberships_of
SELECT user_id, team_id FROM "LiteLLM_TeamMembership" WHERE team_id = ANY(%(teams)s);

-- name: organization_memberships_of
SELECT user_id, organization_id FROM "LiteLLM_OrganizationMembership"
WHERE organization_id = ANY(%(organizations)s);

-- name: team_memberships_of_users
-- A scope of people compares only their memberships (by the primary key's first column).
SELECT user_id, team_id FROM "LiteLLM_TeamMembership" WHERE user_id = ANY(%(users)s);

-- name: organization_memberships_of_users
SELECT user_id, organization_id FROM "LiteLLM_OrganizationMembership"
WHERE user_id = ANY(%(users)s);

-- name: proxy_models
-- Models added through the API (/model/new). Only names: litellm_params may hold secrets.
-- `blocked` is not in older LiteLLM schemas (1.77.3's): read through to_jsonb, absent = false
SELECT DISTINCT model_name FROM "LiteLLM_ProxyModelTable" p
WHERE model_name IS NOT NULL AND NOT COALESCE((to_jsonb(p) ->> 'blocked')::boolean, false)
ORDER BY model_name;

-- Model access and budgets: what decides who may call which model (access_state.py).
-- Never a key's token (its hash) or any secret.

-- name: access_users
SELECT u.user_id, lower(u.user_email) AS email, u.models, u.organization_id, u.spend,
       u.max_budget, u.budget_reset_at, u.rpm_limit, u.tpm_limit,
       ARRAY(SELECT DISTINCT t FROM unnest(
           COALESCE(u.teams, '{}') || ARRAY(SELECT m.team_id FROM "LiteLLM_TeamMembership" m
                                           WHERE m.user_id = u.user_id)) t
             WHERE t IS NOT NULL) AS teams
FROM "LiteLLM_UserTable" u
WHERE %(users)s::text[] IS NULL OR u.user_id = ANY(%(users)s)
ORDER BY u.user_id;

-- name: access_teams
-- (a team's model aliases are not read: they are not grants, see plan/access_rules.py)
SELECT team_id, team_alias, organization_id, models, blocked, spend, max_budget,
       budget_reset_at
FROM "LiteLLM_TeamTable" t
WHERE %(teams)s::text[] IS NULL OR team_id = ANY(%(teams)s)
ORDER BY team_id;

-- name: access_organizations
SELECT o.organization_id, o.organization_alias, o.models, o.spend, b.max_budget,
       b.budget_reset_at
FROM "LiteLLM_OrganizationTable" o
LEFT JOIN "LiteLLM_BudgetTable" b ON b.budget_id = o.budget_id
WHERE %(organizations)s::text[] IS NULL OR o.organization_id = ANY(%(organizations)s)
ORDER BY o.organization_id;

-- name: access_keys
-- Each user's keys, with what LiteLLM's own key object (`UserAPIKeyAuth`, built from its
-- combined key/team view) holds for them: an Open WebUI call the key grants is then made as
-- that key (its hash, limits and budgets). The hash stays in memory: never logged or audited.
SELECT v.token, v.key_alias, v.key_name, v.models, v.user_id, v.team_id, v.organization_id,
       v.expires, v.blocked, v.spend, v.max_budget, v.soft_budget_cooldown, v.rpm_limit,
       v.tpm_limit, v.max_parallel_requests, v.model_max_budget, v.budget_duration,
       v.budget_reset_at, v.metadata, v.allowed_routes,
       t.team_alias, t.spend AS team_spend, t.max_budget AS team_max_budget,
       t.rpm_limit AS team_rpm_limit, t.tpm_limit AS team_tpm_limit,
       COALESCE(t.models, '{}') AS team_models, COALESCE(t.blocked, false) AS team_blocked,
       t.model_max_budget AS team_model_max_budget, t.metadata AS team_metadata,
       m.spend AS team_member_spend, mb.rpm_limit AS team_member_rpm_limit,
       mb.tpm_limit AS team_member_tpm_limit,
       -- the membership's budget as LiteLLM's LiteLLM_BudgetTable takes it (not a key field)
       CASE WHEN mb.budget_id IS NOT NULL THEN jsonb_build_object(
           'budget_id', mb.budget_id, 'max_budget', mb.max_budget,
           'max_parallel_requests', mb.max_parallel_requests, 'tpm_limit', mb.tpm_limit,
           'rpm_limit', mb.rpm_limit, 'budget_duration', mb.budget_duration,
           'budget_reset_at', mb.budget_reset_at,
           -- temporary increases came with LiteLLM 1.106's migrations (absent before)
           'temp_budget_increase', to_jsonb(mb) -> 'temp_budget_increase',
           'temp_budget_expiry', to_jsonb(mb) -> 'temp_budget_expiry',
           'model_max_budget', mb.model_max_budget) END AS member_budget,
       -- the team's default member budget's per-model budgets (releases.team_member_model_budget)
       db.model_max_budget AS team_default_member_model_max_budget,
       u.user_email, u.spend AS user_spend, u.max_budget AS user_max_budget,
       u.rpm_limit AS user_rpm_limit, u.tpm_limit AS user_tpm_limit,
       -- LiteLLM's key object names the organisation org_id (the key's own, else its team's,
       -- as the bridge's access rule reads it)
       COALESCE(v.organization_id, t.organization_id) AS org_id, o.organization_alias,
       ob.max_budget AS organization_max_budget, ob.tpm_limit AS organization_tpm_limit,
       ob.rpm_limit AS organization_rpm_limit
FROM "LiteLLM_VerificationToken" v
LEFT JOIN "LiteLLM_TeamTable" t ON t.team_id = v.team_id
LEFT JOIN "LiteLLM_TeamMembership" m ON m.user_id = v.user_id AND m.team_id = v.team_id
LEFT JOIN "LiteLLM_BudgetTable" mb ON mb.budget_id = m.budget_id
LEFT JOIN "LiteLLM_BudgetTable" db ON db.budget_id = t.metadata ->> 'team_member_budget_id'
LEFT JOIN "LiteLLM_UserTable" u ON u.user_id = v.user_id
LEFT JOIN "LiteLLM_OrganizationTable" o
       ON o.organization_id = COALESCE(v.organization_id, t.organization_id)
LEFT JOIN "LiteLLM_BudgetTable" ob ON ob.budget_id = o.budget_id
WHERE v.user_id IS NOT NULL AND (%(users)s::text[] IS NULL OR v.user_id = ANY(%(users)s))
  -- LiteLLM UI sign-in sessions are keys of the pseudo team litellm-dashboard: not grants
  AND v.team_id IS DISTINCT FROM 'litellm-dashboard'
ORDER BY v.user_id, v.key_alias;

-- name: user_links
SELECT litellm_id, openwebui_id FROM litellm_bridge.link
WHERE entity_type = 'user' AND (%(users)s::text[] IS NULL OR litellm_id = ANY(%(users)s));

-- name: has_links
SELECT to_regclass('litellm_bridge.link') IS NOT NULL AS present;

-- name: users_with_email
-- LiteLLM users whose email is the given one, in any case.
SELECT user_id FROM "LiteLLM_UserTable" WHERE lower(user_email) = lower(%(email)s)
ORDER BY user_id;


-- name: duplicate_emails
SELECT lower(user_email) AS email, array_agg(user_id ORDER BY user_id) AS user_ids
FROM "LiteLLM_UserTable" WHERE user_email IS NOT NULL
GROUP BY lower(user_email) HAVING count(*) > 1 ORDER BY 1;

-- name: user_emails
SELECT user_id, lower(user_email) AS email FROM "LiteLLM_UserTable"
WHERE position('@' IN user_email) > 0;

-- name: spend_figures
-- Spend and max_budget of every key, user, team and organisation the proxy's check uses:
-- LiteLLM records spend without firing the bridge's triggers, so these are read on their own,
-- every BRIDGE_SPEND_INTERVAL seconds. Keys are matched by hash in memory (never returned
-- beyond the process, never logged).
SELECT 'key' AS kind, token AS id, spend, max_budget, budget_reset_at
FROM "LiteLLM_VerificationToken"
WHERE user_id IS NOT NULL AND team_id IS DISTINCT FROM 'litellm-dashboard'
UNION ALL
SELECT 'user', user_id, spend, max_budget, budget_reset_at FROM "LiteLLM_UserTable"
UNION ALL
SELECT 'team', team_id, spend, max_budget, budget_reset_at FROM "LiteLLM_TeamTable"
UNION ALL
SELECT 'organization', o.organization_id, o.spend, b.max_budget, b.budget_reset_at
FROM "LiteLLM_OrganizationTable" o
LEFT JOIN "LiteLLM_BudgetTable" b ON b.budget_id = o.budget_id
UNION ALL
-- a person's spend within a team, named as LiteLLM names it (user_id:team_id)
SELECT 'team_member', m.user_id || ':' || m.team_id, m.spend, b.max_budget, b.budget_reset_at
FROM "LiteLLM_TeamMembership" m
LEFT JOIN "LiteLLM_BudgetTable" b ON b.budget_id = m.budget_id;

-- name: emails_taken
-- Which of these emails (normalised) a LiteLLM user has, compared as the sync compares them.
SELECT DISTINCT lower(btrim(user_email)) AS email FROM "LiteLLM_UserTable"
WHERE lower(btrim(user_email)) = ANY(%(emails)s);

-- name: enrolled_user
-- A LiteLLM user enrolment made from this Open WebUI account (its metadata names it), with
-- this email: how a half-done enrolment (user made, link not written) is finished.
SELECT user_id FROM "LiteLLM_UserTable"
WHERE lower(btrim(user_email)) = %(email)s AND metadata ->> %(key)s = %(account)s;
