-- Open WebUI 0.6.41 schema, made by its own migrations on SQLite.
-- Regenerate: python -m devtools.openwebui_snapshot --version 0.6.41 --python <venv>/bin/python --sqlite
BEGIN TRANSACTION;
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
INSERT INTO "alembic_version" VALUES('3e0e00844bb0');
CREATE TABLE api_key (
	id TEXT NOT NULL, 
	user_id TEXT, 
	"key" TEXT NOT NULL, 
	data JSON, 
	expires_at BIGINT, 
	last_used_at BIGINT, 
	created_at BIGINT NOT NULL, 
	updated_at BIGINT NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (id), 
	FOREIGN KEY(user_id) REFERENCES user (id) ON DELETE CASCADE, 
	UNIQUE ("key")
);
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
	updated_at BIGINT, type TEXT, is_private BOOLEAN, archived_at BIGINT, archived_by TEXT, deleted_at BIGINT, deleted_by TEXT, updated_by TEXT, 
	PRIMARY KEY (id), 
	UNIQUE (id)
);
CREATE TABLE channel_member (
	id TEXT NOT NULL, 
	channel_id TEXT NOT NULL, 
	user_id TEXT NOT NULL, 
	created_at BIGINT, status TEXT, is_active BOOLEAN DEFAULT (1) NOT NULL, is_channel_muted BOOLEAN DEFAULT (0) NOT NULL, is_channel_pinned BOOLEAN DEFAULT (0) NOT NULL, data JSON, meta JSON, joined_at BIGINT NOT NULL, left_at BIGINT, last_read_at BIGINT, updated_at BIGINT, role TEXT, invited_by TEXT, invited_at BIGINT, 
	PRIMARY KEY (id), 
	UNIQUE (id)
);
CREATE TABLE channel_webhook (
	id TEXT NOT NULL, 
	user_id TEXT NOT NULL, 
	channel_id TEXT NOT NULL, 
	name TEXT NOT NULL, 
	profile_image_url TEXT, 
	token TEXT NOT NULL, 
	last_used_at BIGINT, 
	created_at BIGINT NOT NULL, 
	updated_at BIGINT NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (id), 
	FOREIGN KEY(channel_id) REFERENCES channel (id) ON DELETE CASCADE
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
CREATE TABLE "knowledge" (
	id TEXT NOT NULL, 
	user_id TEXT NOT NULL, 
	name TEXT NOT NULL, 
	description TEXT, 
	meta JSON, 
	created_at BIGINT NOT NULL, 
	updated_at BIGINT, 
	access_control JSON, 
	PRIMARY KEY (id)
);
CREATE TABLE knowledge_file (
	id TEXT NOT NULL, 
	user_id TEXT NOT NULL, 
	knowledge_id TEXT NOT NULL, 
	file_id TEXT NOT NULL, 
	created_at BIGINT NOT NULL, 
	updated_at BIGINT NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_knowledge_file_knowledge_file UNIQUE (knowledge_id, file_id), 
	FOREIGN KEY(knowledge_id) REFERENCES knowledge (id) ON DELETE CASCADE, 
	FOREIGN KEY(file_id) REFERENCES file (id) ON DELETE CASCADE
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
	updated_at BIGINT, parent_id TEXT, reply_to_id TEXT, is_pinned BOOLEAN DEFAULT (0) NOT NULL, pinned_at BIGINT, pinned_by TEXT, 
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
INSERT INTO "migratehistory" VALUES(1,'001_initial_schema','2026-12-06 05:00:10.080845');
INSERT INTO "migratehistory" VALUES(2,'002_add_local_sharing','2026-12-06 05:00:10.092612');
INSERT INTO "migratehistory" VALUES(3,'003_add_auth_api_key','2026-12-06 05:00:10.095707');
INSERT INTO "migratehistory" VALUES(4,'004_add_archived','2026-12-06 05:00:10.101669');
INSERT INTO "migratehistory" VALUES(5,'005_add_updated_at','2026-12-06 05:00:10.115848');
INSERT INTO "migratehistory" VALUES(6,'006_migrate_timestamps_and_charfields','2026-12-06 05:00:10.159666');
INSERT INTO "migratehistory" VALUES(7,'007_add_user_last_active_at','2026-12-06 05:00:10.169684');
INSERT INTO "migratehistory" VALUES(8,'008_add_memory','2026-12-06 05:00:10.172687');
INSERT INTO "migratehistory" VALUES(9,'009_add_models','2026-12-06 05:00:10.175990');
INSERT INTO "migratehistory" VALUES(10,'010_migrate_modelfiles_to_models','2026-12-06 05:00:10.369631');
INSERT INTO "migratehistory" VALUES(11,'011_add_user_settings','2026-12-06 05:00:10.372602');
INSERT INTO "migratehistory" VALUES(12,'012_add_tools','2026-12-06 05:00:10.379892');
INSERT INTO "migratehistory" VALUES(13,'013_add_user_info','2026-12-06 05:00:10.389368');
INSERT INTO "migratehistory" VALUES(14,'014_add_files','2026-12-06 05:00:10.394658');
INSERT INTO "migratehistory" VALUES(15,'015_add_functions','2026-12-06 05:00:10.400023');
INSERT INTO "migratehistory" VALUES(16,'016_add_valves_and_is_active','2026-12-06 05:00:10.406804');
INSERT INTO "migratehistory" VALUES(17,'017_add_user_oauth_sub','2026-12-06 05:00:10.410325');
INSERT INTO "migratehistory" VALUES(18,'018_add_function_is_global','2026-12-06 05:00:10.416173');
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
	UNIQUE (id), 
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
CREATE TABLE "user" (
	id VARCHAR(255) NOT NULL, 
	name VARCHAR(255) NOT NULL, 
	email VARCHAR(255) NOT NULL, 
	role VARCHAR(255) NOT NULL, 
	profile_image_url TEXT NOT NULL, 
	created_at INTEGER NOT NULL, 
	updated_at INTEGER NOT NULL, 
	last_active_at INTEGER NOT NULL, 
	username VARCHAR(50), 
	bio TEXT, 
	gender TEXT, 
	date_of_birth DATE, 
	profile_banner_image_url TEXT, 
	timezone VARCHAR, 
	presence_state VARCHAR, 
	status_emoji VARCHAR, 
	status_message TEXT, 
	status_expires_at BIGINT, 
	oauth JSON, 
	info JSON, 
	settings JSON, 
	CONSTRAINT pk_user_id PRIMARY KEY (id), 
	CONSTRAINT uq_user_id UNIQUE (id)
);
CREATE UNIQUE INDEX "chatidtag_id" ON "chatidtag" ("id");
CREATE UNIQUE INDEX "auth_id" ON "auth" ("id");
CREATE UNIQUE INDEX "chat_id" ON "chat" ("id");
CREATE UNIQUE INDEX "chat_share_id" ON "chat" ("share_id");
CREATE UNIQUE INDEX "document_collection_name" ON "document" ("collection_name");
CREATE UNIQUE INDEX "document_name" ON "document" ("name");
CREATE UNIQUE INDEX "prompt_command" ON "prompt" ("command");
CREATE UNIQUE INDEX "memory_id" ON "memory" ("id");
CREATE UNIQUE INDEX "model_id" ON "model" ("id");
CREATE UNIQUE INDEX "tool_id" ON "tool" ("id");
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
CREATE UNIQUE INDEX user_id ON user (id);
CREATE INDEX ix_knowledge_file_file_id ON knowledge_file (file_id);
CREATE INDEX ix_knowledge_file_user_id ON knowledge_file (user_id);
CREATE INDEX ix_knowledge_file_knowledge_id ON knowledge_file (knowledge_id);
COMMIT;
