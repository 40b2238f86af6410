-- Generated from src/everreach/db/migrations/versions/0001_seed_schema.py by `python -m everreach.db.supabase_sql`: do not edit; change the revision and regenerate.
-- The seed schema's seven tables (verbatim DDL on PostgreSQL, portable types on SQLite).

CREATE TABLE instagram_contacts (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  instagram_username TEXT UNIQUE NOT NULL,
  display_name TEXT,
  profile_url TEXT,
  bio TEXT,
  follower_count INTEGER,
  following_count INTEGER,

  -- Relationship Scoring (Revio Framework)
  relationship_score INTEGER DEFAULT 50,
  relationship_stage TEXT DEFAULT 'first_touch',
  last_meaningful_touch TIMESTAMPTZ,
  next_planned_touch TIMESTAMPTZ,

  -- Score Components (0-20 each)
  resonance_score INTEGER DEFAULT 0,
  need_clarity_score INTEGER DEFAULT 0,
  value_delivered_score INTEGER DEFAULT 0,
  reliability_score INTEGER DEFAULT 0,
  consent_level INTEGER DEFAULT 0,

  -- Context Card
  what_theyre_building TEXT,
  current_friction TEXT,
  their_definition_of_win TEXT,
  constraints TEXT,
  preferred_contact_style TEXT,

  -- Trust & Engagement
  trust_signals JSONB DEFAULT '[]',
  fit_signals JSONB DEFAULT '[]',
  value_delivered_log JSONB DEFAULT '[]',

  -- Message Stats
  total_messages_sent INTEGER DEFAULT 0,
  total_messages_received INTEGER DEFAULT 0,

  -- Metadata
  tags TEXT[],
  notes TEXT,
  created_at TIMESTAMPTZ DEFAULT NOW(),
  updated_at TIMESTAMPTZ DEFAULT NOW()
);

-- Indexes
CREATE INDEX idx_contacts_username ON instagram_contacts(instagram_username);

CREATE INDEX idx_contacts_score ON instagram_contacts(relationship_score DESC);

CREATE INDEX idx_contacts_stage ON instagram_contacts(relationship_stage);

CREATE TABLE instagram_conversations (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  contact_id UUID REFERENCES instagram_contacts(id) ON DELETE CASCADE,
  thread_id TEXT,

  -- Last Message
  last_message_at TIMESTAMPTZ,
  last_message_preview TEXT,
  last_message_is_outbound BOOLEAN,

  -- Status
  is_read BOOLEAN DEFAULT TRUE,
  is_archived BOOLEAN DEFAULT FALSE,
  tab TEXT DEFAULT 'primary',

  -- Metadata
  created_at TIMESTAMPTZ DEFAULT NOW(),
  updated_at TIMESTAMPTZ DEFAULT NOW()
);

CREATE INDEX idx_conversations_contact ON instagram_conversations(contact_id);

CREATE INDEX idx_conversations_updated ON instagram_conversations(updated_at DESC);

CREATE TABLE instagram_messages (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  conversation_id UUID REFERENCES instagram_conversations(id) ON DELETE CASCADE,
  contact_id UUID REFERENCES instagram_contacts(id) ON DELETE CASCADE,

  -- Message Content
  message_text TEXT NOT NULL,
  message_type TEXT DEFAULT 'text',

  -- Direction
  is_outbound BOOLEAN NOT NULL,
  sent_by_automation BOOLEAN DEFAULT FALSE,

  -- Timing
  sent_at TIMESTAMPTZ DEFAULT NOW(),

  -- Metadata
  raw_data JSONB,
  created_at TIMESTAMPTZ DEFAULT NOW()
);

CREATE INDEX idx_messages_conversation ON instagram_messages(conversation_id);

CREATE INDEX idx_messages_contact ON instagram_messages(contact_id);

CREATE INDEX idx_messages_sent ON instagram_messages(sent_at DESC);

CREATE UNIQUE INDEX idx_messages_unique ON instagram_messages(contact_id, message_text, sent_at);

CREATE TABLE automation_patterns (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  pattern_type TEXT NOT NULL,
  pattern_key TEXT NOT NULL,
  pattern_value TEXT NOT NULL,
  metadata JSONB DEFAULT '{}',
  is_active BOOLEAN DEFAULT TRUE,
  created_at TIMESTAMPTZ DEFAULT NOW(),
  updated_at TIMESTAMPTZ DEFAULT NOW(),

  UNIQUE(pattern_type, pattern_key)
);

CREATE INDEX idx_patterns_type ON automation_patterns(pattern_type);

CREATE TABLE next_best_actions (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  lane TEXT NOT NULL,
  stage TEXT,
  action_key TEXT NOT NULL,
  action_text TEXT NOT NULL,
  metadata JSONB DEFAULT '{}',
  is_active BOOLEAN DEFAULT TRUE,
  created_at TIMESTAMPTZ DEFAULT NOW(),

  UNIQUE(lane, action_key)
);

CREATE TABLE fit_signals (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  product TEXT NOT NULL,
  signal_key TEXT NOT NULL,
  signal_description TEXT NOT NULL,
  offer_template TEXT,
  is_active BOOLEAN DEFAULT TRUE,
  created_at TIMESTAMPTZ DEFAULT NOW(),

  UNIQUE(product, signal_key)
);

CREATE TABLE outreach_queue (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  contact_id UUID REFERENCES instagram_contacts(id),
  username TEXT NOT NULL,
  message_text TEXT NOT NULL,
  priority INTEGER DEFAULT 5,
  status TEXT DEFAULT 'pending',
  scheduled_at TIMESTAMPTZ,
  sent_at TIMESTAMPTZ,
  error TEXT,
  created_at TIMESTAMPTZ DEFAULT NOW()
);

CREATE INDEX idx_outreach_status ON outreach_queue(status);

CREATE INDEX idx_outreach_scheduled ON outreach_queue(scheduled_at);

CREATE TABLE IF NOT EXISTS alembic_version (
    version_num VARCHAR(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

DELETE FROM alembic_version;

INSERT INTO alembic_version (version_num) VALUES ('0001');
