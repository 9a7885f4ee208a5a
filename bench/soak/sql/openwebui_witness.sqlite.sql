-- The soak's witness in Open WebUI's database (SQLite): when each account row was inserted,
-- clock time in seconds since the epoch (millisecond precision, SQLite's 'now').
CREATE TABLE IF NOT EXISTS soak_arrived (id TEXT PRIMARY KEY, email TEXT, at REAL NOT NULL);
CREATE TRIGGER IF NOT EXISTS soak_arrived AFTER INSERT ON "user" BEGIN
    INSERT OR IGNORE INTO soak_arrived
        VALUES (NEW.id, lower(NEW.email), (julianday('now') - 2440587.5) * 86400.0);
END;
