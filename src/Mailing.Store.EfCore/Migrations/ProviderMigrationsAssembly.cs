using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Mailing.Store.EfCore.Migrations;

/// <summary>
/// The migrations of <see cref="MailingDbContext"/> for the provider in use. The package ships one set per
/// database (namespaces <c>…Migrations.Sqlite</c> and <c>…Migrations.Postgres</c>), all declared for the same
/// context; EF Core's default would see both sets at once, so this one shows only the set, and the model
/// snapshot, of the provider the context is configured with. Lifetime: scoped (one per context instance).
/// </summary>
internal sealed class ProviderMigrationsAssembly : IMigrationsAssembly
{
    private readonly Type _contextType;
    private readonly IMigrationsIdGenerator _idGenerator;
    private readonly string _namespace;
    private IReadOnlyDictionary<string, TypeInfo>? _migrations;
    private ModelSnapshot? _snapshot;
    private bool _snapshotRead;

    public ProviderMigrationsAssembly(ICurrentDbContext currentContext, IMigrationsIdGenerator idGenerator)
    {
        ArgumentNullException.ThrowIfNull(currentContext);
        _contextType = currentContext.Context.GetType();
        _idGenerator = idGenerator;
        _namespace = NamespaceFor(currentContext.Context.Database.ProviderName);
    }

    /// <summary>The provider names this package ships migrations for.</summary>
    internal static string NamespaceFor(string? providerName) => providerName switch
    {
        "Microsoft.EntityFrameworkCore.Sqlite" => typeof(ProviderMigrationsAssembly).Namespace + ".Sqlite",
        "Npgsql.EntityFrameworkCore.PostgreSQL" => typeof(ProviderMigrationsAssembly).Namespace + ".Postgres",
        _ => throw new NotSupportedException(
            $"Mailing ships migrations for SQLite and PostgreSQL, not for '{providerName}'. Map Mailing's tables into your own " +
            "context with modelBuilder.UseMailing() and manage them with your own migrations."),
    };

    public Assembly Assembly => typeof(ProviderMigrationsAssembly).Assembly;

    public IReadOnlyDictionary<string, TypeInfo> Migrations => _migrations ??= Assembly.DefinedTypes
        .Where(t => t.IsSubclassOf(typeof(Migration)) && t.Namespace == _namespace && DeclaredFor(t)
                    && t.GetCustomAttribute<MigrationAttribute>() is not null)
        .Select(t => (Id: t.GetCustomAttribute<MigrationAttribute>()!.Id, Type: t))
        .OrderBy(m => m.Id, StringComparer.Ordinal)
        .ToDictionary(m => m.Id, m => m.Type, StringComparer.Ordinal);

    public ModelSnapshot? ModelSnapshot
    {
        get
        {
            if (!_snapshotRead)
            {
                var type = Assembly.DefinedTypes.SingleOrDefault(
                    t => t.IsSubclassOf(typeof(ModelSnapshot)) && t.Namespace == _namespace && DeclaredFor(t));
                _snapshot = type is null ? null : (ModelSnapshot)Activator.CreateInstance(type.AsType())!;
                _snapshotRead = true;
            }

            return _snapshot;
        }
    }

    public string? FindMigrationId(string nameOrId) => Migrations.Keys
        .Where(_idGenerator.IsValidId(nameOrId)
            ? id => string.Equals(id, nameOrId, StringComparison.OrdinalIgnoreCase)
            : id => string.Equals(_idGenerator.GetName(id), nameOrId, StringComparison.OrdinalIgnoreCase))
        .FirstOrDefault();

    public Migration CreateMigration(TypeInfo migrationClass, string activeProvider)
    {
        ArgumentNullException.ThrowIfNull(migrationClass);
        var migration = (Migration)Activator.CreateInstance(migrationClass.AsType())!;
        migration.ActiveProvider = activeProvider;
        return migration;
    }

    // Each set is declared for its provider's design-time context (so the two snapshots do not collide);
    // every MailingDbContext, the ready-made one or a subclass, runs the set of its provider.
    private bool DeclaredFor(TypeInfo type) =>
        typeof(MailingDbContext).IsAssignableFrom(_contextType)
        && type.GetCustomAttribute<DbContextAttribute>()?.ContextType is { } declared
        && typeof(MailingDbContext).IsAssignableFrom(declared);
}
