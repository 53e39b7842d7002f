using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Mailing.Store.EfCore.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Campaigns : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "mailing_campaigns",
                columns: table => new
                {
                    client_id = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    name = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    channel = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    stream = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    subject_template = table.Column<string>(type: "text", nullable: true),
                    body_template = table.Column<string>(type: "text", nullable: false),
                    audience = table.Column<string>(type: "text", nullable: false),
                    start_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    end_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    window_from = table.Column<TimeOnly>(type: "time without time zone", nullable: true),
                    window_to = table.Column<TimeOnly>(type: "time without time zone", nullable: true),
                    default_time_zone = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    messages_per_second = table.Column<int>(type: "integer", nullable: true),
                    correlation_id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    metadata = table.Column<string>(type: "text", nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    status_reason = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    finished_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    pack_checkpoint = table.Column<string>(type: "text", nullable: true),
                    packed = table.Column<bool>(type: "boolean", nullable: false),
                    pack_lease_token = table.Column<Guid>(type: "uuid", nullable: true),
                    pack_lease_until = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    sweep_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_mailing_campaigns", x => new { x.client_id, x.id });
                });

            migrationBuilder.CreateTable(
                name: "mailing_deliveries",
                columns: table => new
                {
                    client_id = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    campaign_id = table.Column<Guid>(type: "uuid", nullable: false),
                    contact_id = table.Column<Guid>(type: "uuid", nullable: false),
                    recipient = table.Column<string>(type: "character varying(254)", maxLength: 254, nullable: false),
                    recipient_domain = table.Column<string>(type: "character varying(254)", maxLength: 254, nullable: true),
                    stream = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    idempotency_key = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    next_attempt_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    lease_token = table.Column<Guid>(type: "uuid", nullable: true),
                    last_error = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    transport = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    provider_message_id = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    dispatched_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    delivered_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    bounced_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    complained_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    suppressed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    terminal = table.Column<bool>(type: "boolean", nullable: false),
                    last_event_type = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    last_event_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    lock_version = table.Column<int>(type: "integer", nullable: false, defaultValue: 1),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_mailing_deliveries", x => new { x.client_id, x.id });
                });

            migrationBuilder.CreateIndex(
                name: "ix_mailing_campaigns_due",
                table: "mailing_campaigns",
                columns: new[] { "status", "start_at" });

            migrationBuilder.CreateIndex(
                name: "ix_mailing_campaigns_status",
                table: "mailing_campaigns",
                columns: new[] { "client_id", "status", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_mailing_deliveries_due",
                table: "mailing_deliveries",
                columns: new[] { "client_id", "campaign_id", "next_attempt_at" },
                filter: "status IN ('queued', 'deferred', 'sending')");

            migrationBuilder.CreateIndex(
                name: "ix_mailing_deliveries_status",
                table: "mailing_deliveries",
                columns: new[] { "client_id", "campaign_id", "status", "contact_id" });

            migrationBuilder.CreateIndex(
                name: "ux_mailing_deliveries_contact",
                table: "mailing_deliveries",
                columns: new[] { "client_id", "campaign_id", "contact_id" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "mailing_campaigns");

            migrationBuilder.DropTable(
                name: "mailing_deliveries");
        }
    }
}
