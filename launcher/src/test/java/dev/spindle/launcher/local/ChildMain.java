package dev.spindle.launcher.local;

import java.util.Locale;

/**
 * A small real program for the supervisor's tests, run in a child JVM. Arguments are actions done in order:
 * {@code out:TEXT}, {@code err:TEXT}, {@code prop:NAME} and {@code env:NAME} (print a value as NAME=value),
 * {@code heap} (print the maximum heap in MiB), {@code args} (print the argument count),
 * {@code hook:TEXT} (print TEXT on SIGTERM), {@code stubborn} (a SIGTERM never ends the JVM),
 * {@code sleep:MILLIS}, {@code await:PATH} (wait until the file exists: the test's go-ahead, no timing),
 * {@code exit:CODE}.
 */
public final class ChildMain {

    private ChildMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        for (String arg : args) {
            String[] action = arg.split(":", 2);
            String value = action.length > 1 ? action[1] : "";
            switch (action[0]) {
                case "out" -> System.out.println(value);
                case "err" -> System.err.println(value);
                case "prop" -> System.out.println(value + "=" + System.getProperty(value));
                case "env" -> System.out.println(value + "=" + System.getenv(value));
                case "heap" -> System.out.println(String.format(Locale.ROOT, "heap=%d",
                        Runtime.getRuntime().maxMemory() >> 20));
                case "args" -> System.out.println("args=" + args.length);
                case "hook" -> Runtime.getRuntime().addShutdownHook(new Thread(() -> System.out.println(value)));
                case "stubborn" -> Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    System.out.println("ignoring the stop");
                    while (true) {
                        try {
                            Thread.sleep(60_000);
                        } catch (InterruptedException e) {
                            // keep holding the JVM open: only SIGKILL ends it
                        }
                    }
                }));
                case "sleep" -> Thread.sleep(Long.parseLong(value));
                case "await" -> {
                    while (!java.nio.file.Files.exists(java.nio.file.Path.of(value))) {
                        Thread.sleep(20);
                    }
                }
                case "exit" -> System.exit(Integer.parseInt(value));
                default -> throw new IllegalArgumentException("unknown action " + arg);
            }
        }
    }
}
