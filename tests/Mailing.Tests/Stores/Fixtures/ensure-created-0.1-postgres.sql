CREATE TABLE mailing_contacts (
    client_id character varying(128) NOT NULL,
    id uuid NOT NULL,
    audience character varying(64) NOT NULL,
    email character varying(254),
    normalized_email character varying(254),
    name character varying(500),
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    phone character varying(16),
    time_zone character varying(64),
    tags text,
    attributes text,
    status character varying(16) NOT NULL DEFAULT 'active',
    external_id character varying(200),
    deleted_at timestamp with time zone,
    CONSTRAINT "PK_mailing_contacts" PRIMARY KEY (client_id, id)
);


CREATE TABLE mailing_recipient_list_members (
    client_id character varying(128) NOT NULL,
    id uuid NOT NULL,
    list_id uuid NOT NULL,
    contact_id uuid NOT NULL,
    email_snapshot character varying(254) NOT NULL,
    source_object_key character varying(256) NOT NULL,
    metadata text NOT NULL,
    active boolean NOT NULL,
    removed_at timestamp with time zone,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT "PK_mailing_recipient_list_members" PRIMARY KEY (client_id, id)
);


CREATE TABLE mailing_recipient_lists (
    client_id character varying(128) NOT NULL,
    id uuid NOT NULL,
    audience character varying(64) NOT NULL,
    key character varying(200) NOT NULL,
    type character varying(100) NOT NULL,
    name character varying(500) NOT NULL,
    metadata text NOT NULL,
    member_count bigint NOT NULL,
    active_member_count bigint NOT NULL,
    last_reconciled_at timestamp with time zone,
    last_reconcile_status character varying(32),
    last_reconcile_summary text,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    CONSTRAINT "PK_mailing_recipient_lists" PRIMARY KEY (client_id, id)
);


CREATE TABLE mailing_contact_tags (
    client_id character varying(128) NOT NULL,
    contact_id uuid NOT NULL,
    tag character varying(64) NOT NULL,
    CONSTRAINT "PK_mailing_contact_tags" PRIMARY KEY (client_id, contact_id, tag),
    CONSTRAINT "FK_mailing_contact_tags_mailing_contacts_client_id_contact_id" FOREIGN KEY (client_id, contact_id) REFERENCES mailing_contacts (client_id, id) ON DELETE CASCADE
);


CREATE INDEX ix_mailing_contact_tags_tag ON mailing_contact_tags (client_id, tag, contact_id);


CREATE INDEX ix_mailing_contacts_audience_id ON mailing_contacts (client_id, audience, id);


CREATE UNIQUE INDEX ux_mailing_contacts_email ON mailing_contacts (client_id, audience, normalized_email) WHERE normalized_email IS NOT NULL;


CREATE UNIQUE INDEX ux_mailing_contacts_external_id ON mailing_contacts (client_id, audience, external_id) WHERE external_id IS NOT NULL;


CREATE UNIQUE INDEX ux_mailing_contacts_phone ON mailing_contacts (client_id, audience, phone) WHERE phone IS NOT NULL;


CREATE INDEX ix_mailing_list_members_contact ON mailing_recipient_list_members (client_id, contact_id);


CREATE UNIQUE INDEX ux_mailing_list_members_contact ON mailing_recipient_list_members (client_id, list_id, contact_id);


CREATE UNIQUE INDEX ux_mailing_list_members_source_key ON mailing_recipient_list_members (client_id, list_id, source_object_key);


CREATE UNIQUE INDEX ux_mailing_recipient_lists_key ON mailing_recipient_lists (client_id, audience, key);


