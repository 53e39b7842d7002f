using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Mailing.Store.EfCore.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class DailyReports : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "mailing_daily_reports",
                columns: table => new
                {
                    client_id = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    day = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    claim_token = table.Column<Guid>(type: "TEXT", nullable: false),
                    claimed_at = table.Column<DateTimeOffset>(type: "TEXT", nullable: false),
                    sent_at = table.Column<DateTimeOffset>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_mailing_daily_reports", x => new { x.client_id, x.day });
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "mailing_daily_reports");
        }
    }
}
