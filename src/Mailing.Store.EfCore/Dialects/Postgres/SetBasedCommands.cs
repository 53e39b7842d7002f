using Npgsql;
using NpgsqlTypes;

namespace Mailing.Store.EfCore.Dialects.Postgres;

/// <summary>
/// Runs the set-based statements on the context's connection (and so its transaction), binding the
/// <see cref="SetBasedParameters"/> each call is given plus the statement's own arguments.
/// </summary>
internal sealed class SetBasedCommands(NpgsqlConnection connection, CancellationToken cancellationToken)
{
    /// <summary>Runs a statement; returns the number of rows it changed.</summary>
    public async Task<int> ExecuteAsync(string statement, SetBasedParameters parameters, params (string Name, object Value)[] arguments)
    {
        await using var command = Command(statement, parameters, arguments);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs a query; returns its rows, read by <paramref name="read"/>.</summary>
    public async Task<List<T>> QueryAsync<T>(
        string statement, SetBasedParameters parameters, Func<NpgsqlDataReader, T> read, params (string Name, object Value)[] arguments)
    {
        await using var command = Command(statement, parameters, arguments);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    private NpgsqlCommand Command(string statement, SetBasedParameters parameters, (string Name, object Value)[] arguments)
    {
        var command = new NpgsqlCommand(statement, connection) { CommandTimeout = 0 };
        parameters.Bind(command);
        foreach (var (name, value) in arguments)
        {
            if (value is Guid[] ids)
            {
                SetBasedParameters.BindArray(command, name, NpgsqlDbType.Uuid, ids);
            }
            else
            {
                command.Parameters.AddWithValue(name, value);
            }
        }

        return command;
    }
}
