package io.github.etcdbackup.cli;

import picocli.CommandLine.Mixin;

/** A command that talks to the units, through Juju or over SSH. */
abstract class ConnectedCommand extends CliCommand {
    @Mixin
    Connection connection;
}
