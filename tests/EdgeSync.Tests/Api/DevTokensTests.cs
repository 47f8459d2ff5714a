using System.Text.Json;
using EdgeSync.Api.Auth;
using Microsoft.Extensions.Configuration;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace EdgeSync.Tests.Api;

[Collection(ConsoleCollection.Name)]
public sealed class DevTokensTests
{
    private static IConfiguration Config(string key = "unit-test-signing-key-0123456789-abcdefghij") => new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Auth:Issuer"] = "edgesync-dev",
            ["Auth:Audience"] = "edgesync",
            ["Auth:SigningKey"] = key,
        })
        .Build();

    private static async Task<TokenValidationResult> ValidateAsync(string token, IConfiguration configuration)
    {
        var settings = AuthSettings.From(configuration);
        return await new JsonWebTokenHandler { MapInboundClaims = false }.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = settings.Issuer,
            ValidAudience = settings.Audience,
            IssuerSigningKey = settings.SigningKey,
        });
    }

    [Fact]
    public async Task Minted_token_carries_subject_and_permission_array()
    {
        var project = Guid.NewGuid();
        var token = DevTokens.Mint(Config(), [Grants.For(project, ProjectPermission.View), Grants.PlatformAdmin], "alice", TimeSpan.FromMinutes(5));
        var result = await ValidateAsync(token, Config());
        Assert.True(result.IsValid, result.Exception?.Message);
        Assert.Equal("alice", result.ClaimsIdentity.FindFirst("sub")?.Value);
        Assert.Equal([$"{project}:PROJECT_CAN_VIEW_DEVICES", "PLATFORM_ADMIN"],
            result.ClaimsIdentity.FindAll("permissions").Select(c => c.Value));

        var payload = new JsonWebToken(token);
        Assert.Equal(JsonValueKind.Array, JsonDocument.Parse(Base64UrlEncoder.Decode(payload.EncodedPayload)).RootElement.GetProperty("permissions").ValueKind);
        Assert.Equal("HS256", payload.Alg);
    }

    [Fact]
    public async Task Single_permission_is_still_an_array_and_base64_keys_work()
    {
        var key = "base64:" + Convert.ToBase64String(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());
        var token = DevTokens.Mint(Config(key), [Grants.PlatformAdmin]);
        Assert.True((await ValidateAsync(token, Config(key))).IsValid);
        var payload = JsonDocument.Parse(Base64UrlEncoder.Decode(new JsonWebToken(token).EncodedPayload)).RootElement;
        Assert.Equal(JsonValueKind.Array, payload.GetProperty("permissions").ValueKind);
    }

    [Theory]
    [InlineData("too-short")]
    [InlineData("base64:AAAA")]
    [InlineData("base64:!!notbase64!!")]
    public void Weak_or_malformed_keys_are_refused(string key)
        => Assert.Throws<InvalidOperationException>(() => DevTokens.Mint(Config(key), []));

    [Fact]
    public void Missing_configuration_is_refused()
        => Assert.Throws<InvalidOperationException>(() => DevTokens.Mint(new ConfigurationBuilder().Build(), []));

    [Fact]
    public async Task Command_prints_only_the_token()
    {
        var project = Guid.NewGuid();
        var (code, stdout, _) = Run(["dev-token", "--permissions", $"PLATFORM_ADMIN,{project}:PROJECT_CAN_MANAGE_DEVICES", "--subject", "ops", "--hours", "2"]);
        Assert.Equal(0, code);
        var token = stdout.Trim();
        Assert.DoesNotContain('\n', token);
        var result = await ValidateAsync(token, Config());
        Assert.True(result.IsValid);
        Assert.Equal("ops", result.ClaimsIdentity.FindFirst("sub")?.Value);
        Assert.Equal(2, result.ClaimsIdentity.FindAll("permissions").Count());
        var lifetime = new JsonWebToken(token).ValidTo - DateTime.UtcNow;
        Assert.InRange(lifetime.TotalMinutes, 115, 121);
    }

    [Theory]
    [InlineData("dev-token", "--permissions", "PROJECT_CAN_VIEW_DEVICES")]
    [InlineData("dev-token", "--permissions", "not-a-guid:PROJECT_CAN_VIEW_DEVICES")]
    [InlineData("dev-token", "--hours", "-1")]
    [InlineData("dev-token", "--bogus")]
    [InlineData("dev-token", "--subject")]
    public void Command_rejects_bad_usage(params string[] args)
    {
        var (code, stdout, stderr) = Run(args);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Contains("dev-token:", stderr);
    }

    private static (int Code, string Stdout, string Stderr) Run(string[] args)
    {
        var (out0, err0) = (Console.Out, Console.Error);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        Console.SetOut(stdout);
        Console.SetError(stderr);
        try
        {
            var code = DevTokens.RunCommand(args, Config());
            return (code, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Console.SetOut(out0);
            Console.SetError(err0);
        }
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleCollection
{
    public const string Name = "api-console";
}
