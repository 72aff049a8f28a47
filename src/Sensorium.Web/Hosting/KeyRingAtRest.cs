using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;

namespace Sensorium.Web.Hosting;

/// <summary>
/// How the data-protection key ring (it signs and encrypts sign-in cookies and anti-forgery tokens) is kept at rest:
/// in <c>DataDirectory/keys</c>, <b>not encrypted</b>, protected by the data directory's owner-only permissions
/// (0700, umask 077). Linux offers no machine key store, and a certificate to encrypt the keys with would sit in the
/// same directory; so the choice is made here, said once at start, and not left to ASP.NET's "No XML encryptor
/// configured" warning. Each key file says so in an <c>&lt;unencrypted&gt;</c> element around the key.
/// </summary>
public sealed class KeyRingAtRest : IXmlEncryptor
{
    internal static readonly XName Wrapper = "unencrypted";

    public static string Describe(string keysDirectory) =>
        $"Data protection keys (sign-in cookies, anti-forgery tokens): {keysDirectory}, stored unencrypted at rest and protected " +
        "by the data directory's owner-only permissions (0700). Guard it and its backups like the database; anyone who reads " +
        "it can forge sign-in cookies.";

    public EncryptedXmlInfo Encrypt(XElement plaintextElement) =>
        new(new XElement(Wrapper,
                new XComment(" Not encrypted by choice: protected by the data directory's permissions (see the README, Security). "),
                plaintextElement),
            typeof(KeyRingAtRestReader));
}

/// <summary>Reads back what <see cref="KeyRingAtRest"/> wrote (ASP.NET creates it by type name from the key file).</summary>
public sealed class KeyRingAtRestReader : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        if (encryptedElement.Name != KeyRingAtRest.Wrapper || encryptedElement.Elements().FirstOrDefault() is not { } key)
            throw new InvalidOperationException($"A data protection key file holds <{encryptedElement.Name}>, not the workbench's <{KeyRingAtRest.Wrapper}> element.");
        return new XElement(key);
    }
}
