namespace Mailing.Validation;

/// <summary>Collects field errors and throws them together, so a caller sees every problem at once.</summary>
internal sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    public ValidationErrors Check(string field, string? error)
    {
        if (error is not null)
        {
            if (!_errors.TryGetValue(field, out var messages))
            {
                _errors[field] = messages = [];
            }

            messages.Add(error);
        }

        return this;
    }

    public void ThrowIfAny()
    {
        if (_errors.Count > 0)
        {
            throw new MailingValidationException(_errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal));
        }
    }
}
