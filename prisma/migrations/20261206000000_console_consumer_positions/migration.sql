-- Consumer positions in the console database (NVSentinel's own schema is never changed by the
-- console; see docs/decisions.md, "No DDL on NVSentinel's database").
--
-- position_store says where a consumer's position lives:
--   console           resume_token here (the default: the console's own consumers);
--   nvsentinel        NVSentinel's resume_tokens, our token (the simulated NVSentinel twins);
--   nvsentinel-legacy NVSentinel's resume_tokens, exactly NVSentinel's {timestamp, eventID}.
-- Consumers registered before this migration kept their positions in resume_tokens.
ALTER TABLE console_consumers ADD COLUMN IF NOT EXISTS resume_token JSONB;
ALTER TABLE console_consumers ADD COLUMN IF NOT EXISTS position_store VARCHAR(20) NOT NULL DEFAULT 'console'
    CHECK (position_store IN ('console', 'nvsentinel', 'nvsentinel-legacy'));
ALTER TABLE console_consumers ADD COLUMN IF NOT EXISTS last_updated TIMESTAMPTZ;
UPDATE console_consumers SET position_store = 'nvsentinel' WHERE resume_token IS NULL;
