-- Open WebUI 0.6.37 schema, made by its own migrations on SQLite.
-- Regenerate: python -m devtools.openwebui_snapshot --version 0.6.37 --python <venv>/bin/python --sqlite
BEGIN TRANSACTION;
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
INSERT INTO "alembic_version" VALUES('37f288994c47');
CREATE TABLE "auth" ("id" VARCHAR(255) NOT NULL, "email" VARCHAR(255) NOT NULL, "password" TEXT NOT NULL NOT NULL, "active" INTEGER NOT NULL);
CREATE TABLE channel (
	id TEXT NOT NULL, 
	user_id TEXT, 
	name TEXT, 
	description TEXT, 
	data JSON, 
	meta JSON, 
	access_control JSON, 
	created_at BIGINT, 
	updated_at BIGINT, type TEXT, 
	PRIMARY KEY (id), 
	UNIQUE (id)
);
CREATE TABLE channel_member (
	id TEXT NOT NULL, 
	channel_id TEXT NOT NULL, 
	user_id TEXT NOT NULL, 
	created_at BIGINT, 
	PRIMARY KEY (id), 
	UNIQUE (id)
);
CREATE TABLE "chat" ("id" VARCHAR(255) NOT NULL, "user_id" VARCHAR(255) NOT NULL, "title" TEXT NOT NULL NOT NULL, "share_id" VARCHAR(255), "archived" INTEGER NOT NULL, "created_at" DATETIME NOT NULL NOT NULL, "updated_at" DATETIME NOT NULL NOT NULL, chat JSON, pinned BOOLEAN, meta JSON DEFAULT '{}' NOT NULL, folder_id TEXT);
CREATE TABLE "chatidtag" ("id" VARCHAR(255) NOT NULL, "tag_name" VARCHAR(255) NOT NULL, "chat_id" VARCHAR(255) NOT NULL, "user_id" VARCHAR(255) NOT NULL, "timestamp" INTEGER NOT NULL NOT NULL);
CREATE TABLE config (
	id INTEGER NOT NULL, 
	data JSON NOT NULL, 
	version INTEGER NOT NULL, 
	created_at DATETIME DEFAULT (CURRENT_TIMESTAMP) NOT NULL, 
	updated_at DATETIME DEFAULT (CURRENT_TIMESTAMP), 
	PRIMARY KEY (id)
);
CREATE TABLE "document" ("id" INTEGER NOT NULL PRIMARY KEY, "collection_name" VARCHAR(255) NOT NULL, "name" VARCHAR(255) NOT NULL, "title" TEXT NOT NULL NOT NULL, "filename" TEXT NOT NULL NOT NULL, "content" TEXT, "user_id" VARCHAR(255) NOT NULL, "timestamp" INTEGER NOT NULL NOT NULL);
CREATE TABLE feedback (
	id TEXT NOT NULL, 
	user_id TEXT, 
	version BIGINT, 
	type TEXT, 
	data JSON, 
	meta JSON, 
	snapshot JSON, 
	created_at BIGINT NOT NULL, 
	updated_at BIGINT NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE "file" (
	id TEXT NOT NULL, 
	user_id TEXT NOT NULL, 
	filename TEXT NOT NULL, 
	meta JSON, 
	created_at INTEGER NOT NULL, 
	hash TEXT, 
	data JSON, 
	updated_at BIGINT, 
	path TEXT
, access_control JSON);
CREATE TABLE "folder" (
	id TEXT NOT NULL, 
	parent_id TEXT, 
	user_id TEXT NOT NULL, 
	name TEXT NOT NULL, 
	items JSON, 
	meta JSON, 
	is_expanded BOOLEAN NOT NULL, 
	created_at BIGINT NOT NULL, 
	updated_at BIGINT NOT NULL, data JSON, 
	PRIMARY KEY (id, user_id)
);
CREATE TABLE "function" ("id" TEXT NOT NULL, "user_id" TEXT NOT NULL, "name" TEXT NOT NULL, "type" TEXT NOT NULL, "content" TEXT NOT NULL, "meta" TEXT NOT NULL, "created_at" INTEGER NOT NULL, "updated_at" INTEGER NOT NULL, "valves" TEXT, "is_active" INTEGER NOT NULL, "is_global" INTEGER NOT NULL);
CREATE TABLE "group" (
	id TEXT NOT NULL, 
	user_id TEXT, 
	name TEXT, 
	description TEXT, 
	data JSON, 
	meta JSON, 
	permissions JSON, 
	created_at BIGINT, 
	updated_at BIGINT, 
	PRIMARY KEY (id), 
	UNIQUE (id)
);
CREATE TABLE group_member (
	id TEXT NOT NULL, 
	group_id TEXT NOT NULL, 
	user_id TEXT NOT NULL, 
	created_at BIGINT, 
	updated_at BIGINT, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_group_member_group_user UNIQUE (group_id, user_id), 
	UNIQUE (id), 
	FOREIGN KEY(group_id) REFERENCES "group" (id) ON DELETE CASCADE, 
	FOREIGN KEY(user_id) REFERENCES user (id) ON DELETE CASCADE
);
CREATE TABLE knowledge (
	id TEXT NOT NULL, 
	user_id TEXT NOT NULL, 
	name TEXT NOT NULL, 
	description TEXT, 
	data JSON, 
	meta JSON, 
	created_at BIGINT NOT NULL, 
	updated_at BIGINT, access_control JSON, 
	PRIMARY KEY (id)
);
CREATE TABLE "memory" ("id" VARCHAR(255) NOT NULL, "user_id" VARCHAR(255) NOT NULL, "content" TEXT NOT NULL, "updated_at" INTEGER NOT NULL, "created_at" INTEGER NOT NULL);
CREATE TABLE message (
	id TEXT NOT NULL, 
	user_id TEXT, 
	channel_id TEXT, 
	content TEXT, 
	data JSON, 
	meta JSON, 
	created_at BIGINT, 
	updated_at BIGINT, parent_id TEXT, reply_to_id TEXT, 
	PRIMARY KEY (id), 
	UNIQUE (id)
);
CREATE TABLE message_reaction (
	id TEXT NOT NULL, 
	user_id TEXT NOT NULL, 
	message_id TEXT NOT NULL, 
	name TEXT NOT NULL, 
	created_at BIGINT, 
	PRIMARY KEY (id), 
	UNIQUE (id)
);
CREATE TABLE "migratehistory" ("id" INTEGER NOT NULL PRIMARY KEY, "name" VARCHAR(255) NOT NULL, "migrated_at" DATETIME NOT NULL);
INSERT INTO "migratehistory" VALUES(1,'001_initial_schema','2026-12-06 04:59:57.894683');
INSERT INTO "migratehistory" VALUES(2,'002_add_local_sharing','2026-12-06 04:59:57.897751');
INSERT INTO "migratehistory" VALUES(3,'003_add_auth_api_key','2026-12-06 04:59:57.900189');
INSERT INTO "migratehistory" VALUES(4,'004_add_archived','2026-12-06 04:59:57.904092');
INSERT INTO "migratehistory" VALUES(5,'005_add_updated_at','2026-12-06 04:59:57.911835');
INSERT INTO "migratehistory" VALUES(6,'006_migrate_timestamps_and_charfields','2026-12-06 04:59:57.945006');
INSERT INTO "migratehistory" VALUES(7,'007_add_user_last_active_at','2026-12-06 04:59:57.958707');
INSERT INTO "migratehistory" VALUES(8,'008_add_memory','2026-12-06 04:59:57.961981');
INSERT INTO "migratehistory" VALUES(9,'009_add_models','2026-12-06 04:59:57.966594');
INSERT INTO "migratehistory" VALUES(10,'010_migrate_modelfiles_to_models','2026-12-06 04:59:58.088413');
INSERT INTO "migratehistory" VALUES(11,'011_add_user_settings','2026-12-06 04:59:58.090716');
INSERT INTO "migratehistory" VALUES(12,'012_add_tools','2026-12-06 04:59:58.092933');
INSERT INTO "migratehistory" VALUES(13,'013_add_user_info','2026-12-06 04:59:58.094598');
INSERT INTO "migratehistory" VALUES(14,'014_add_files','2026-12-06 04:59:58.096420');
INSERT INTO "migratehistory" VALUES(15,'015_add_functions','2026-12-06 04:59:58.098428');
INSERT INTO "migratehistory" VALUES(16,'016_add_valves_and_is_active','2026-12-06 04:59:58.103120');
INSERT INTO "migratehistory" VALUES(17,'017_add_user_oauth_sub','2026-12-06 04:59:58.105961');
INSERT INTO "migratehistory" VALUES(18,'018_add_function_is_global','2026-12-06 04:59:58.110654');
CREATE TABLE "model" ("id" TEXT NOT NULL, "user_id" TEXT NOT NULL, "base_model_id" TEXT, "name" TEXT NOT NULL, "meta" TEXT NOT NULL, "params" TEXT NOT NULL, "created_at" INTEGER NOT NULL, "updated_at" INTEGER NOT NULL, access_control JSON, is_active BOOLEAN DEFAULT (1) NOT NULL);
CREATE TABLE note (
	id TEXT NOT NULL, 
	user_id TEXT, 
	title TEXT, 
	data JSON, 
	meta JSON, 
	access_control JSON, 
	created_at BIGINT, 
	updated_at BIGINT, 
	PRIMARY KEY (id), 
	UNIQUE (id)
);
CREATE TABLE oauth_session (
	id TEXT NOT NULL, 
	user_id TEXT NOT NULL, 
	provider TEXT NOT NULL, 
	token TEXT NOT NULL, 
	expires_at BIGINT NOT NULL, 
	created_at BIGINT NOT NULL, 
	updated_at BIGINT NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(user_id) REFERENCES user (id) ON DELETE CASCADE
);
CREATE TABLE "prompt" ("id" INTEGER NOT NULL PRIMARY KEY, "command" VARCHAR(255) NOT NULL, "user_id" VARCHAR(255) NOT NULL, "title" TEXT NOT NULL NOT NULL, "content" TEXT NOT NULL, "timestamp" INTEGER NOT NULL NOT NULL, access_control JSON);
CREATE TABLE "tag" (
	id VARCHAR(255) NOT NULL, 
	name VARCHAR(255) NOT NULL, 
	user_id VARCHAR(255) NOT NULL, 
	meta JSON, 
	CONSTRAINT pk_id_user_id PRIMARY KEY (id, user_id)
);
CREATE TABLE "tool" ("id" TEXT NOT NULL, "user_id" TEXT NOT NULL, "name" TEXT NOT NULL, "content" TEXT NOT NULL, "specs" TEXT NOT NULL, "meta" TEXT NOT NULL, "created_at" INTEGER NOT NULL, "updated_at" INTEGER NOT NULL, "valves" TEXT, access_control JSON);
CREATE TABLE "user" ("id" VARCHAR(255) NOT NULL, "name" VARCHAR(255) NOT NULL, "email" VARCHAR(255) NOT NULL, "role" VARCHAR(255) NOT NULL, "profile_image_url" TEXT NOT NULL NOT NULL, "api_key" VARCHAR(255), "created_at" INTEGER NOT NULL NOT NULL, "updated_at" INTEGER NOT NULL NOT NULL, "last_active_at" INTEGER NOT NULL NOT NULL, "settings" TEXT, "info" TEXT, "oauth_sub" TEXT, username VARCHAR(50), bio TEXT, gender TEXT, date_of_birth DATE);
CREATE UNIQUE INDEX "chatidtag_id" ON "chatidtag" ("id");
CREATE UNIQUE INDEX "auth_id" ON "auth" ("id");
CREATE UNIQUE INDEX "chat_id" ON "chat" ("id");
CREATE UNIQUE INDEX "chat_share_id" ON "chat" ("share_id");
CREATE UNIQUE INDEX "document_collection_name" ON "document" ("collection_name");
CREATE UNIQUE INDEX "document_name" ON "document" ("name");
CREATE UNIQUE INDEX "prompt_command" ON "prompt" ("command");
CREATE UNIQUE INDEX "user_api_key" ON "user" ("api_key");
CREATE UNIQUE INDEX "user_id" ON "user" ("id");
CREATE UNIQUE INDEX "memory_id" ON "memory" ("id");
CREATE UNIQUE INDEX "model_id" ON "model" ("id");
CREATE UNIQUE INDEX "tool_id" ON "tool" ("id");
CREATE UNIQUE INDEX "user_oauth_sub" ON "user" ("oauth_sub");
CREATE UNIQUE INDEX "function_id" ON "function" ("id");
CREATE UNIQUE INDEX file_id ON file (id);
CREATE INDEX folder_id_idx ON chat (folder_id);
CREATE INDEX user_id_pinned_idx ON chat (user_id, pinned);
CREATE INDEX user_id_archived_idx ON chat (user_id, archived);
CREATE INDEX updated_at_user_id_idx ON chat (updated_at, user_id);
CREATE INDEX folder_id_user_id_idx ON chat (folder_id, user_id);
CREATE INDEX user_id_idx ON tag (user_id);
CREATE INDEX is_global_idx ON function (is_global);
CREATE INDEX idx_oauth_session_user_id ON oauth_session (user_id);
CREATE INDEX idx_oauth_session_expires_at ON oauth_session (expires_at);
CREATE INDEX idx_oauth_session_user_provider ON oauth_session (user_id, provider);
COMMIT;
