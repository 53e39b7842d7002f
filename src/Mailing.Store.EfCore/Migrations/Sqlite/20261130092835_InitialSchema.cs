using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Mailing.Store.EfCore.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class InitialSchema : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "mailing_contacts",
                columns: table => new
                {
                    client_id = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    audience = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    email = table.Column<string>(type: "TEXT", maxLength: 254, nullable: true),
                    normalized_email = table.Column<string>(type: "TEXT", maxLength: 254, nullable: true),
                    name = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "TEXT", nullable: false),
                    phone = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true),
                    time_zone = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    tags = table.Column<string>(type: "TEXT", nullable: true),
                    attributes = table.Column<string>(type: "TEXT", nullable: true),
                    status = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false, defaultValue: "active"),
                    external_id = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    deleted_at = table.Column<DateTimeOffset>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_mailing_contacts", x => new { x.client_id, x.id });
                });

            migrationBuilder.CreateTable(
                name: "mailing_recipient_list_members",
                columns: table => new
                {
                    client_id = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    list_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    contact_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    email_snapshot = table.Column<string>(type: "TEXT", maxLength: 254, nullable: false),
                    source_object_key = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    metadata = table.Column<string>(type: "TEXT", nullable: false),
                    active = table.Column<bool>(type: "INTEGER", nullable: false),
                    removed_at = table.Column<DateTimeOffset>(type: "TEXT", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_mailing_recipient_list_members", x => new { x.client_id, x.id });
                });

            migrationBuilder.CreateTable(
                name: "mailing_recipient_lists",
                columns: table => new
                {
                    client_id = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    audience = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    key = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    type = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    metadata = table.Column<string>(type: "TEXT", nullable: false),
                    member_count = table.Column<long>(type: "INTEGER", nullable: false),
                    active_member_count = table.Column<long>(type: "INTEGER", nullable: false),
                    last_reconciled_at = table.Column<DateTimeOffset>(type: "TEXT", nullable: true),
                    last_reconcile_status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    last_reconcile_summary = table.Column<string>(type: "TEXT", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_mailing_recipient_lists", x => new { x.client_id, x.id });
                });

            migrationBuilder.CreateTable(
                name: "mailing_contact_tags",
                columns: table => new
                {
                    client_id = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    contact_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    tag = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_mailing_contact_tags", x => new { x.client_id, x.contact_id, x.tag });
                    table.ForeignKey(
                        name: "FK_mailing_contact_tags_mailing_contacts_client_id_contact_id",
                        columns: x => new { x.client_id, x.contact_id },
                        principalTable: "mailing_contacts",
                        principalColumns: new[] { "client_id", "id" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_mailing_contact_tags_tag",
                table: "mailing_contact_tags",
                columns: new[] { "client_id", "tag", "contact_id" });

            migrationBuilder.CreateIndex(
                name: "ix_mailing_contacts_audience_id",
                table: "mailing_contacts",
                columns: new[] { "client_id", "audience", "id" });

            migrationBuilder.CreateIndex(
                name: "ux_mailing_contacts_email",
                table: "mailing_contacts",
                columns: new[] { "client_id", "audience", "normalized_email" },
                unique: true,
                filter: "normalized_email IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ux_mailing_contacts_external_id",
                table: "mailing_contacts",
                columns: new[] { "client_id", "audience", "external_id" },
                unique: true,
                filter: "external_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ux_mailing_contacts_phone",
                table: "mailing_contacts",
                columns: new[] { "client_id", "audience", "phone" },
                unique: true,
                filter: "phone IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_mailing_list_members_contact",
                table: "mailing_recipient_list_members",
                columns: new[] { "client_id", "contact_id" });

            migrationBuilder.CreateIndex(
                name: "ux_mailing_list_members_contact",
                table: "mailing_recipient_list_members",
                columns: new[] { "client_id", "list_id", "contact_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ux_mailing_list_members_source_key",
                table: "mailing_recipient_list_members",
                columns: new[] { "client_id", "list_id", "source_object_key" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ux_mailing_recipient_lists_key",
                table: "mailing_recipient_lists",
                columns: new[] { "client_id", "audience", "key" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "mailing_contact_tags");

            migrationBuilder.DropTable(
                name: "mailing_recipient_list_members");

            migrationBuilder.DropTable(
                name: "mailing_recipient_lists");

            migrationBuilder.DropTable(
                name: "mailing_contacts");
        }
    }
}
