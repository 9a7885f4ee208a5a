-- Fill LiteLLM's tables at scale, the way its management API leaves them: organisations
-- (each with a budget row), teams spread over them, users; user i is in team (i mod teams),
-- every 5th user also in a second team. Statements end with ";" at a line end.

INSERT INTO "LiteLLM_BudgetTable" (budget_id, max_budget, created_by, updated_by)
SELECT 'budget-' || o, 1000, 'bench', 'bench' FROM generate_series(0, %(orgs)s - 1) AS o;

INSERT INTO "LiteLLM_OrganizationTable" (organization_id, organization_alias, budget_id, models,
                                         created_by, updated_by)
SELECT 'org-' || o, 'Organisation ' || o, 'budget-' || o, '{}', 'bench', 'bench'
FROM generate_series(0, %(orgs)s - 1) AS o;

INSERT INTO "LiteLLM_TeamTable" (team_id, team_alias, organization_id, admins, members,
                                 members_with_roles, models)
SELECT 'team-' || t, 'Team ' || t, 'org-' || (t %% %(orgs)s), '{}', '{}', '[]', '{}'
FROM generate_series(0, %(teams)s - 1) AS t;

INSERT INTO "LiteLLM_UserTable" (user_id, user_email, user_alias, user_role, organization_id,
                                 models, teams)
SELECT 'user-' || u, 'User.' || u || '@Example.com', 'User ' || u,
       CASE WHEN u %% 500 = 0 THEN 'proxy_admin' ELSE 'internal_user' END,
       'org-' || ((u %% %(teams)s) %% %(orgs)s), '{}',
       CASE WHEN u %% 5 = 0
            THEN ARRAY['team-' || (u %% %(teams)s), 'team-' || ((u * 7 + 1) %% %(teams)s)]
            ELSE ARRAY['team-' || (u %% %(teams)s)] END
FROM generate_series(0, %(users)s - 1) AS u;

INSERT INTO "LiteLLM_TeamMembership" (user_id, team_id)
SELECT DISTINCT user_id, unnest(teams) FROM "LiteLLM_UserTable"
ON CONFLICT DO NOTHING;

UPDATE "LiteLLM_TeamTable" t
SET members_with_roles = m.members
FROM (
    SELECT team_id, jsonb_agg(jsonb_build_object('role', 'user', 'user_id', user_id)) AS members
    FROM "LiteLLM_TeamMembership" GROUP BY team_id
) m
WHERE m.team_id = t.team_id;

INSERT INTO "LiteLLM_OrganizationMembership" (user_id, organization_id, user_role)
SELECT user_id, organization_id, 'internal_user' FROM "LiteLLM_UserTable"
WHERE organization_id IS NOT NULL
ON CONFLICT DO NOTHING;

-- Keys: each user holds a personal key for one or two of the example config's models and a
-- key of their first team (teams allow everything, so all models): two keys per user.
INSERT INTO "LiteLLM_VerificationToken" (token, key_alias, user_id, team_id, models)
SELECT 'bench-personal-' || u, 'user-' || u || '-personal', 'user-' || u, NULL,
       CASE u %% 3 WHEN 0 THEN ARRAY['gpt-4']
                   WHEN 1 THEN ARRAY['gpt-3.5-turbo', 'claude-3-sonnet']
                   ELSE ARRAY['gpt-3.5-turbo'] END
FROM generate_series(0, %(users)s - 1) AS u;

INSERT INTO "LiteLLM_VerificationToken" (token, key_alias, user_id, team_id, models)
SELECT 'bench-team-' || u, 'user-' || u || '-team', 'user-' || u, 'team-' || (u %% %(teams)s),
       '{}'
FROM generate_series(0, %(users)s - 1) AS u;

-- Statistics, as autovacuum gathers them within a minute of such a load (a production
-- database has them: plans of the scoped reads depend on them).
ANALYZE;
