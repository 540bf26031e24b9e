-- Extensions the application relies on.
CREATE EXTENSION IF NOT EXISTS citext;
