CREATE TABLE "mailing_contacts" (
    "client_id" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "audience" TEXT NOT NULL,
    "email" TEXT NULL,
    "normalized_email" TEXT NULL,
    "name" TEXT NULL,
    "created_at" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL,
    "phone" TEXT NULL,
    "time_zone" TEXT NULL,
    "tags" TEXT NULL,
    "attributes" TEXT NULL,
    "status" TEXT NOT NULL DEFAULT 'active',
    "external_id" TEXT NULL,
    "deleted_at" TEXT NULL,
    CONSTRAINT "PK_mailing_contacts" PRIMARY KEY ("client_id", "id")
);


CREATE TABLE "mailing_recipient_list_members" (
    "client_id" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "list_id" TEXT NOT NULL,
    "contact_id" TEXT NOT NULL,
    "email_snapshot" TEXT NOT NULL,
    "source_object_key" TEXT NOT NULL,
    "metadata" TEXT NOT NULL,
    "active" INTEGER NOT NULL,
    "removed_at" TEXT NULL,
    "created_at" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL,
    CONSTRAINT "PK_mailing_recipient_list_members" PRIMARY KEY ("client_id", "id")
);


CREATE TABLE "mailing_recipient_lists" (
    "client_id" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "audience" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "metadata" TEXT NOT NULL,
    "member_count" INTEGER NOT NULL,
    "active_member_count" INTEGER NOT NULL,
    "last_reconciled_at" TEXT NULL,
    "last_reconcile_status" TEXT NULL,
    "last_reconcile_summary" TEXT NULL,
    "created_at" TEXT NOT NULL,
    "updated_at" TEXT NOT NULL,
    CONSTRAINT "PK_mailing_recipient_lists" PRIMARY KEY ("client_id", "id")
);


CREATE TABLE "mailing_contact_tags" (
    "client_id" TEXT NOT NULL,
    "contact_id" TEXT NOT NULL,
    "tag" TEXT NOT NULL,
    CONSTRAINT "PK_mailing_contact_tags" PRIMARY KEY ("client_id", "contact_id", "tag"),
    CONSTRAINT "FK_mailing_contact_tags_mailing_contacts_client_id_contact_id" FOREIGN KEY ("client_id", "contact_id") REFERENCES "mailing_contacts" ("client_id", "id") ON DELETE CASCADE
);


CREATE INDEX "ix_mailing_contact_tags_tag" ON "mailing_contact_tags" ("client_id", "tag", "contact_id");


CREATE INDEX "ix_mailing_contacts_audience_id" ON "mailing_contacts" ("client_id", "audience", "id");


CREATE UNIQUE INDEX "ux_mailing_contacts_email" ON "mailing_contacts" ("client_id", "audience", "normalized_email") WHERE normalized_email IS NOT NULL;


CREATE UNIQUE INDEX "ux_mailing_contacts_external_id" ON "mailing_contacts" ("client_id", "audience", "external_id") WHERE external_id IS NOT NULL;


CREATE UNIQUE INDEX "ux_mailing_contacts_phone" ON "mailing_contacts" ("client_id", "audience", "phone") WHERE phone IS NOT NULL;


CREATE INDEX "ix_mailing_list_members_contact" ON "mailing_recipient_list_members" ("client_id", "contact_id");


CREATE UNIQUE INDEX "ux_mailing_list_members_contact" ON "mailing_recipient_list_members" ("client_id", "list_id", "contact_id");


CREATE UNIQUE INDEX "ux_mailing_list_members_source_key" ON "mailing_recipient_list_members" ("client_id", "list_id", "source_object_key");


CREATE UNIQUE INDEX "ux_mailing_recipient_lists_key" ON "mailing_recipient_lists" ("client_id", "audience", "key");


