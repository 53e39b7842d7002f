namespace Mailing.Stores;

/// <summary>Prepares a store for use: creates its schema, indexes or collections when missing.</summary>
public interface IMailingStoreInitializer
{
    /// <summary>Creates whatever the store needs; safe to call on every start.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);
}
