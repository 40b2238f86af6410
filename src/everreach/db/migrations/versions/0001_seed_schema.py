"""The seed schema's seven tables (verbatim DDL on PostgreSQL, portable types on SQLite).

Revision ID: 0001
Revises:
Create Date: 2024-01-31 00:00:00

On PostgreSQL the statements are the CREATE statements of spec/seed-schema-reference.md word for word (a test
holds them equal, whitespace aside), so a database built by hand from the seed SQL has exactly this schema and is
adopted by `everreach db upgrade`. On SQLite the same tables use portable types: UUID as 32-character hex text,
JSONB and TEXT[] as JSON text, timestamps as UTC text.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = (
    "outreach_queue",
    "fit_signals",
    "next_best_actions",
    "automation_patterns",
    "instagram_messages",
    "instagram_conversations",
    "instagram_contacts",
)

POSTGRESQL = """\
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
"""

SQLITE = """\
CREATE TABLE instagram_contacts (
  id CHAR(32) DEFAULT (lower(hex(randomblob(16)))) NOT NULL,
  instagram_username TEXT NOT NULL,
  display_name TEXT,
  profile_url TEXT,
  bio TEXT,
  follower_count INTEGER,
  following_count INTEGER,
  relationship_score INTEGER DEFAULT 50,
  relationship_stage TEXT DEFAULT 'first_touch',
  last_meaningful_touch DATETIME,
  next_planned_touch DATETIME,
  resonance_score INTEGER DEFAULT 0,
  need_clarity_score INTEGER DEFAULT 0,
  value_delivered_score INTEGER DEFAULT 0,
  reliability_score INTEGER DEFAULT 0,
  consent_level INTEGER DEFAULT 0,
  what_theyre_building TEXT,
  current_friction TEXT,
  their_definition_of_win TEXT,
  constraints TEXT,
  preferred_contact_style TEXT,
  trust_signals JSON DEFAULT '[]',
  fit_signals JSON DEFAULT '[]',
  value_delivered_log JSON DEFAULT '[]',
  total_messages_sent INTEGER DEFAULT 0,
  total_messages_received INTEGER DEFAULT 0,
  tags JSON,
  notes TEXT,
  created_at DATETIME DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
  updated_at DATETIME DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
  CONSTRAINT instagram_contacts_pkey PRIMARY KEY (id),
  CONSTRAINT instagram_contacts_instagram_username_key UNIQUE (instagram_username)
);

CREATE INDEX idx_contacts_score ON instagram_contacts (relationship_score DESC);
CREATE INDEX idx_contacts_stage ON instagram_contacts (relationship_stage);
CREATE INDEX idx_contacts_username ON instagram_contacts (instagram_username);

CREATE TABLE instagram_conversations (
  id CHAR(32) DEFAULT (lower(hex(randomblob(16)))) NOT NULL,
  contact_id CHAR(32),
  thread_id TEXT,
  last_message_at DATETIME,
  last_message_preview TEXT,
  last_message_is_outbound BOOLEAN,
  is_read BOOLEAN DEFAULT true,
  is_archived BOOLEAN DEFAULT false,
  tab TEXT DEFAULT 'primary',
  created_at DATETIME DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
  updated_at DATETIME DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
  CONSTRAINT instagram_conversations_pkey PRIMARY KEY (id),
  CONSTRAINT instagram_conversations_contact_id_fkey FOREIGN KEY(contact_id)
    REFERENCES instagram_contacts (id) ON DELETE CASCADE
);

CREATE INDEX idx_conversations_contact ON instagram_conversations (contact_id);
CREATE INDEX idx_conversations_updated ON instagram_conversations (updated_at DESC);

CREATE TABLE instagram_messages (
  id CHAR(32) DEFAULT (lower(hex(randomblob(16)))) NOT NULL,
  conversation_id CHAR(32),
  contact_id CHAR(32),
  message_text TEXT NOT NULL,
  message_type TEXT DEFAULT 'text',
  is_outbound BOOLEAN NOT NULL,
  sent_by_automation BOOLEAN DEFAULT false,
  sent_at DATETIME DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
  raw_data JSON,
  created_at DATETIME DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
  CONSTRAINT instagram_messages_pkey PRIMARY KEY (id),
  CONSTRAINT instagram_messages_conversation_id_fkey FOREIGN KEY(conversation_id)
    REFERENCES instagram_conversations (id) ON DELETE CASCADE,
  CONSTRAINT instagram_messages_contact_id_fkey FOREIGN KEY(contact_id)
    REFERENCES instagram_contacts (id) ON DELETE CASCADE
);

CREATE INDEX idx_messages_contact ON instagram_messages (contact_id);
CREATE INDEX idx_messages_conversation ON instagram_messages (conversation_id);
CREATE INDEX idx_messages_sent ON instagram_messages (sent_at DESC);
CREATE UNIQUE INDEX idx_messages_unique ON instagram_messages (contact_id, message_text, sent_at);

CREATE TABLE automation_patterns (
  id CHAR(32) DEFAULT (lower(hex(randomblob(16)))) NOT NULL,
  pattern_type TEXT NOT NULL,
  pattern_key TEXT NOT NULL,
  pattern_value TEXT NOT NULL,
  metadata JSON DEFAULT '{}',
  is_active BOOLEAN DEFAULT true,
  created_at DATETIME DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
  updated_at DATETIME DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
  CONSTRAINT automation_patterns_pkey PRIMARY KEY (id),
  CONSTRAINT automation_patterns_pattern_type_pattern_key_key UNIQUE (pattern_type, pattern_key)
);

CREATE INDEX idx_patterns_type ON automation_patterns (pattern_type);

CREATE TABLE next_best_actions (
  id CHAR(32) DEFAULT (lower(hex(randomblob(16)))) NOT NULL,
  lane TEXT NOT NULL,
  stage TEXT,
  action_key TEXT NOT NULL,
  action_text TEXT NOT NULL,
  metadata JSON DEFAULT '{}',
  is_active BOOLEAN DEFAULT true,
  created_at DATETIME DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
  CONSTRAINT next_best_actions_pkey PRIMARY KEY (id),
  CONSTRAINT next_best_actions_lane_action_key_key UNIQUE (lane, action_key)
);


CREATE TABLE fit_signals (
  id CHAR(32) DEFAULT (lower(hex(randomblob(16)))) NOT NULL,
  product TEXT NOT NULL,
  signal_key TEXT NOT NULL,
  signal_description TEXT NOT NULL,
  offer_template TEXT,
  is_active BOOLEAN DEFAULT true,
  created_at DATETIME DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
  CONSTRAINT fit_signals_pkey PRIMARY KEY (id),
  CONSTRAINT fit_signals_product_signal_key_key UNIQUE (product, signal_key)
);


CREATE TABLE outreach_queue (
  id CHAR(32) DEFAULT (lower(hex(randomblob(16)))) NOT NULL,
  contact_id CHAR(32),
  username TEXT NOT NULL,
  message_text TEXT NOT NULL,
  priority INTEGER DEFAULT 5,
  status TEXT DEFAULT 'pending',
  scheduled_at DATETIME,
  sent_at DATETIME,
  error TEXT,
  created_at DATETIME DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
  CONSTRAINT outreach_queue_pkey PRIMARY KEY (id),
  CONSTRAINT outreach_queue_contact_id_fkey FOREIGN KEY(contact_id)
    REFERENCES instagram_contacts (id)
);

CREATE INDEX idx_outreach_scheduled ON outreach_queue (scheduled_at);
CREATE INDEX idx_outreach_status ON outreach_queue (status);
"""


def statements(script: str) -> list[str]:
    """The statements of a DDL script, comments kept (none of these scripts has a semicolon in a literal)."""
    return [s.strip() for s in script.split(";") if s.strip()]


def upgrade() -> None:
    for statement in statements(POSTGRESQL if op.get_context().dialect.name == "postgresql" else SQLITE):
        op.execute(statement)


def downgrade() -> None:
    for table in _TABLES:
        op.drop_table(table)
