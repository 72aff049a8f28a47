using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Sensorium.Web.Features.Security;

/// <summary>An endpoint's largest request body; <see cref="Bytes"/> is asked per request (it may depend on the caller).</summary>
public sealed class BodyLimit(Func<HttpContext, long> bytes)
{
    public Func<HttpContext, long> Bytes { get; } = bytes;
}

public static class BodyLimitExtensions
{
    /// <summary>This endpoint's request body limit instead of <see cref="SecurityOptions.MaxRequestBytes"/>.</summary>
    public static TBuilder WithBodyLimit<TBuilder>(this TBuilder builder, Func<HttpContext, long> bytes) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new BodyLimit(bytes));
}

/// <summary>
/// Judges a request body before and while it is read: every endpoint has a limit (<see cref="BodyLimit"/>, else
/// <see cref="SecurityOptions.MaxRequestBytes"/>). A declared length over it is answered 413 without reading a byte;
/// a chunked body is cut off (413) as soon as it passes it. Runs after authentication and authorization, so the
/// large limit of the upload only ever applies to a signed-in member, and before anti-forgery (which reads forms).
/// </summary>
public sealed class RequestBodyLimits(RequestDelegate next, IOptionsMonitor<SecurityOptions> options, ILogger<RequestBodyLimits> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var limit = context.GetEndpoint()?.Metadata.GetMetadata<BodyLimit>()?.Bytes(context) ?? options.CurrentValue.MaxRequestBytes;
        if (context.Request.ContentLength is { } declared && declared > limit)
        {
            await TooLargeAsync(context, limit);
            return;
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } kestrel) kestrel.MaxRequestBodySize = limit;
        context.Request.Body = new LimitedReadStream(context.Request.Body, limit);
        try
        {
            await next(context);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge && !context.Response.HasStarted)
        {
            logger.LogInformation("{Method} {Path}: request body over {Limit} bytes refused.", context.Request.Method, context.Request.Path, limit);
            await TooLargeAsync(context, limit);
        }
    }

    static Task TooLargeAsync(HttpContext context, long limit)
    {
        context.Response.Headers.Connection = "close"; // the rest of the body is not read
        return Results.Problem($"The request body is over this endpoint's limit of {Size(limit)}.",
            statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request too large").ExecuteAsync(context);
    }

    public static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.#} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.#} MiB",
        >= 1L << 10 => $"{bytes / (double)(1L << 10):0.#} KiB",
        _ => $"{bytes} bytes",
    };

    /// <summary>Reads through to the inner stream and throws a 413 <see cref="BadHttpRequestException"/> past the limit.</summary>
    sealed class LimitedReadStream(Stream inner, long limit) : Stream
    {
        long read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => read; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        int Count(int n)
        {
            read += n;
            if (read > limit)
                throw new BadHttpRequestException($"The request body is over {limit} bytes.", StatusCodes.Status413PayloadTooLarge);
            return n;
        }
    }
}
