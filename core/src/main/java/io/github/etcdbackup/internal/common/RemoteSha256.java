package io.github.etcdbackup.internal.common;

import io.github.etcdbackup.exception.InvalidInputException;
import io.github.etcdbackup.exception.OutputParseException;

import java.util.Optional;

/**
 * The SHA-256 of a file on a unit, however the transport runs the command: one script (prints nothing when the file
 * is not there) and one reading of what it printed.
 */
public final class RemoteSha256 {
    private RemoteSha256() {
    }

    /** The shell command for {@code path}, quoted for the unit's shell. */
    public static String script(String path) {
        String quoted = Shell.quoteAlways(path);
        return "if [ -f " + quoted + " ]; then sha256sum -- " + quoted + "; fi";
    }

    /**
     * Reads the script's output.
     *
     * @param where named in the error, e.g. {@code sha256sum etcd/0:/root/x.tar.gz}
     * @return empty when the file is not there
     * @throws OutputParseException if the output holds no SHA-256
     */
    public static Optional<String> parse(String stdout, String where) {
        String out = stdout.strip();
        if (out.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(InputValidation.sha256(out.split("\\s+", 2)[0]));
        } catch (InvalidInputException e) {
            throw new OutputParseException(where + " printed no hash", stdout, e);
        }
    }
}
