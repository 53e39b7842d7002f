namespace Mailing;

/// <summary>
/// The hours of the recipient's local day in which a message may be sent, for example 09:00–21:00.
/// A window whose <see cref="From"/> is after its <see cref="To"/> crosses midnight (22:00–06:00).
/// <see cref="From"/> is inclusive, <see cref="To"/> exclusive; equal values are rejected.
/// </summary>
/// <param name="From">Local time the window opens.</param>
/// <param name="To">Local time the window closes.</param>
public sealed record SendWindow(TimeOnly From, TimeOnly To);
