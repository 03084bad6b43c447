package io.github.etcdbackup.cli;

import picocli.CommandLine.Mixin;

/** A command that works on the backup directory alone. */
abstract class StoreCommand extends CliCommand {
    @Mixin
    StoreOption store;
}
