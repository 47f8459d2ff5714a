Console.WriteLine(EdgeSync.Api.Auth.DevTokens.DefaultLifetime);
