package io.github.etcdbackup.cli;

import io.github.etcdbackup.encryption.AgeIdentities;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Optional;

/** The age identity file that opens encrypted archives, for the commands that read their contents. */
final class IdentityOption {
    @Option(names = "--identity", paramLabel = "FILE", description = "An age identity file (age-keygen) that opens "
            + "encrypted archives.")
    Path identity;

    /** The identities, when a file was given. */
    Optional<AgeIdentities> identities() {
        return Optional.ofNullable(identity).map(AgeIdentities::fromFile);
    }
}
