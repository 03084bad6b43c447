/**
 * Encrypted archives in the <a href="https://age-encryption.org/v1">age</a> format: X25519 recipients
 * ({@code age1...}) to encrypt to, identities ({@code AGE-SECRET-KEY-1...}, as {@code age-keygen} writes them) to
 * decrypt with. A file this library encrypts opens with {@code age -d -i key.txt}, and a file {@code age -r} wrote
 * opens here. Passphrase (scrypt) and SSH-key recipients are not supported.
 */
package io.github.etcdbackup.encryption;
