-- Reads of LiteLLM's own tables (created by litellm_proxy_extras migrations). Read-only.

-- name: users
-- Every LiteLLM user with the fields the bridge maps. Passwords are never read.
SELECT user_id, user_email, user_alias, user_role, teams, team_id, organization_id
FROM "LiteLLM_UserTable"
ORDER BY user_id;

-- name: teams
-- Every team; members_with_roles is a JSON list of {"user_id", "role", ...}.
SELECT team_id, team_alias, organization_id, members_with_roles, blocked
FROM "LiteLLM_TeamTable"
ORDER BY team_id;

-- name: organizations
-- Every organisation with the max_budget of its budget row.
SELECT o.organization_id, o.organization_alias, b.max_budget
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
