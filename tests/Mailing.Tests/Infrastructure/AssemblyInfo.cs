// Test classes run in parallel (one collection per class); each test owns its client or its database file.
[assembly: CaptureConsole]
