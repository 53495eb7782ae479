package org.softmaxspi.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code softmax} executable: list and swap providers, evaluate requests, verify providers
 * against each other. Exit status: 0 success, 1 verification failed, 2 bad usage or bad request.
 */
@Command(name = "softmax", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "One softmax API, pluggable numeric backends, and proof that they agree.",
        subcommands = {ProvidersCommand.class, EvalCommand.class, VerifyCommand.class, DemoCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "Say on stderr, in one line, which provider is the default and why.")
    void verbose(boolean on) {
        Providers.verbose(on ? spec.commandLine().getErr() : null);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The command line with the project's error handling: one-line errors, exit status 2. */
    public static CommandLine commandLine() {
        Providers.verbose(null);
        CommandLine cl = new CommandLine(new Main());
        cl.setParameterExceptionHandler((ex, args) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("error: " + ex.getMessage());
            err.println("(see '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            if (ex instanceof CliException) {
                err.println("error: " + ex.getMessage());
                return ((CliException) ex).exitCode();
            }
            err.println("error: " + ex);
            if (parseResult.hasMatchedOption("--debug")) {
                ex.printStackTrace(err);
            }
            return 2;
        });
        return cl;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** Reads the version Maven wrote into the jar. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {"softmax-spi " + p.getProperty("version", "unknown"),
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"};
        }
    }
}
