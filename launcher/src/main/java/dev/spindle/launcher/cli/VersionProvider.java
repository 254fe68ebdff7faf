package dev.spindle.launcher.cli;

import picocli.CommandLine;

/** The version from the jar's manifest, or "development" when run from classes. */
final class VersionProvider implements CommandLine.IVersionProvider {

    @Override
    public String[] getVersion() {
        String version = SpindleCli.class.getPackage().getImplementationVersion();
        return new String[] {"spindle " + (version == null ? "development" : version)};
    }
}
