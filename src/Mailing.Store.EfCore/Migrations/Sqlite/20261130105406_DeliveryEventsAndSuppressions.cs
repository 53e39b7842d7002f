using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Mailing.Store.EfCore.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class DeliveryEventsAndSuppressions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "mailing_delivery_events",
                columns: table => new
                {
                    client_id = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    provider = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    provider_event_id = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    event_type = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    occurred_at = table.Column<DateTimeOffset>(type: "TEXT", nullable: false),
                    received_at = table.Column<DateTimeOffset>(type: "TEXT", nullable: false),
                    provider_message_id = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    delivery_id = table.Column<Guid>(type: "TEXT", nullable: true),
                    campaign_id = table.Column<Guid>(type: "TEXT", nullable: true),
                    recipient = table.Column<string>(type: "TEXT", maxLength: 254, nullable: true),
                    reject_reason = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    description = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    mta_response = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    payload = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_mailing_delivery_events", x => new { x.client_id, x.id });
                });

            migrationBuilder.CreateTable(
                name: "mailing_suppressions",
                columns: table => new
                {
                    client_id = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    address = table.Column<string>(type: "TEXT", maxLength: 254, nullable: false),
                    scope = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    stream = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    reason = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    source = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    expires_at = table.Column<DateTimeOffset>(type: "TEXT", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_mailing_suppressions", x => new { x.client_id, x.id });
                });

            migrationBuilder.CreateIndex(
                name: "ix_mailing_deliveries_provider_message",
                table: "mailing_deliveries",
                columns: new[] { "client_id", "provider_message_id" },
                filter: "provider_message_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_mailing_delivery_events_delivery",
                table: "mailing_delivery_events",
                columns: new[] { "client_id", "delivery_id" });

            migrationBuilder.CreateIndex(
                name: "ix_mailing_delivery_events_orphans",
                table: "mailing_delivery_events",
                columns: new[] { "client_id", "provider_message_id" },
                filter: "delivery_id IS NULL");

            migrationBuilder.CreateIndex(
                name: "ux_mailing_delivery_events_provider_event",
                table: "mailing_delivery_events",
                columns: new[] { "client_id", "provider", "provider_event_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ux_mailing_suppressions_address",
                table: "mailing_suppressions",
                columns: new[] { "client_id", "address", "scope", "stream" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "mailing_delivery_events");

            migrationBuilder.DropTable(
                name: "mailing_suppressions");

            migrationBuilder.DropIndex(
                name: "ix_mailing_deliveries_provider_message",
                table: "mailing_deliveries");
        }
    }
}
