package io.github.etcdbackup.transport.ssh.internal;

import net.schmizz.sshj.common.SSHPacket;
import net.schmizz.sshj.userauth.UserAuthException;
import net.schmizz.sshj.userauth.keyprovider.KeyProvider;
import net.schmizz.sshj.userauth.method.KeyedAuthMethod;

/**
 * The {@code publickey} login in one round trip: the first request is already signed (RFC 4252, section 7, allows
 * it), where sshj's {@code AuthPublickey} first asks whether the key would do and signs only after the server says
 * so, one more round trip (50 ms from another region) for every connection. The price: a key is read (and decrypted)
 * even when the server would have refused it, which only changes which error a login that fails anyway reports.
 * sshj's retries with the key's other signature algorithms ({@code rsa-sha2-512}, {@code rsa-sha2-256}, ...) work as
 * with {@code AuthPublickey}: each attempt is built and signed anew.
 */
final class SignedPublickey extends KeyedAuthMethod {
    SignedPublickey(KeyProvider keys) {
        super("publickey", keys);
    }

    @Override
    protected SSHPacket buildReq() throws UserAuthException {
        log.debug("Attempting signed authentication using {}", kProv);
        return putSig(putPubKey(super.buildReq().putBoolean(true)));
    }
}
