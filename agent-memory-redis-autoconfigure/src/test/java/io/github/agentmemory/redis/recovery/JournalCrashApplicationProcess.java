package io.github.agentmemory.redis.recovery;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import io.github.agentmemory.redis.test.ChildJvm;

import static org.awaitility.Awaitility.await;

/**
 * A {@link JournalCrashApplication} in a JVM of its own, on the test class path, with
 * its output (log and protocol lines, stderr merged into stdout) collected line by line.
 */
final class JournalCrashApplicationProcess implements AutoCloseable {

	private static final Duration PATIENCE = Duration.ofSeconds(60);

	private final Process process;

	private final List<String> lines = new CopyOnWriteArrayList<>();

	private final Thread reader;

	private JournalCrashApplicationProcess(Process process) {
		this.process = process;
		this.reader = new Thread(this::read, "journal-crash-application-reader");
		this.reader.setDaemon(true);
		this.reader.start();
	}

	/**
	 * Start the application.
	 * @param writes how many writes it issues once started
	 * @param properties Boot properties, {@code key=value}
	 * @return the running process
	 * @throws IOException if the JVM cannot be started
	 */
	static JournalCrashApplicationProcess start(int writes, List<String> properties) throws IOException {
		List<String> command = ChildJvm.command(JournalCrashApplication.class, "-Xmx256m", "-XX:TieredStopAtLevel=1");
		command.add(String.valueOf(writes));
		properties.forEach((property) -> command.add("--" + property));
		return new JournalCrashApplicationProcess(new ProcessBuilder(command).redirectErrorStream(true).start());
	}

	private void read() {
		ChildJvm.collectLines(this.process.getInputStream(), this.lines);
	}

	/**
	 * Every line printed so far.
	 * @return the lines
	 */
	List<String> lines() {
		return List.copyOf(this.lines);
	}

	/**
	 * The indexes of the writes answered QUEUED so far.
	 * @return the indexes, in answer order
	 */
	List<Integer> acknowledged() {
		return this.lines.stream()
			.filter((line) -> line.startsWith("ACK "))
			.map((line) -> Integer.parseInt(line.substring(4).trim()))
			.toList();
	}

	/**
	 * The lines of writes answered otherwise than QUEUED.
	 * @return the lines
	 */
	List<String> notAcknowledged() {
		return this.lines.stream().filter((line) -> line.startsWith("NACK ")).toList();
	}

	/**
	 * Wait until a line starting with the given prefix is printed.
	 * @param prefix the prefix
	 * @param count how many such lines to wait for
	 */
	void awaitLines(String prefix, int count) {
		await().atMost(PATIENCE)
			.pollInterval(Duration.ofMillis(20))
			.failFast("the application exited", this::assertAlive)
			.until(() -> this.lines.stream().filter((line) -> line.startsWith(prefix)).count() >= count);
	}

	/**
	 * Wait until the application prints a {@code STATUS} line that matches.
	 * @param condition the condition on the line's values
	 * @return the values of that line
	 */
	Map<String, Long> awaitStatus(Predicate<Map<String, Long>> condition) {
		await().atMost(PATIENCE)
			.pollInterval(Duration.ofMillis(20))
			.failFast("the application exited", this::assertAlive)
			.until(() -> condition.test(lastValues("STATUS")));
		return lastValues("STATUS");
	}

	/**
	 * The {@code name=value} pairs of the last line with the given prefix.
	 * @param prefix the prefix ({@code STARTED}, {@code STATUS})
	 * @return the values, empty if there is no such line
	 */
	Map<String, Long> lastValues(String prefix) {
		Map<String, Long> values = new HashMap<>();
		for (int i = this.lines.size() - 1; i >= 0; i--) {
			String line = this.lines.get(i);
			if (line.startsWith(prefix + " ")) {
				for (String pair : line.substring(prefix.length() + 1).split(" ")) {
					int equals = pair.indexOf('=');
					values.put(pair.substring(0, equals), Long.parseLong(pair.substring(equals + 1)));
				}
				break;
			}
		}
		return values;
	}

	private void assertAlive() {
		if (!this.process.isAlive()) {
			throw new AssertionError("the application exited:\n" + String.join("\n", this.lines));
		}
	}

	/**
	 * Send a command line to the application.
	 * @param command the command
	 * @throws IOException if the application's input is closed
	 */
	void send(String command) throws IOException {
		OutputStream in = this.process.getOutputStream();
		in.write((command + "\n").getBytes(StandardCharsets.UTF_8));
		in.flush();
	}

	/**
	 * Wait for the application to exit by itself.
	 * @return its exit code
	 * @throws InterruptedException if interrupted
	 */
	int awaitExit() throws InterruptedException {
		if (!this.process.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS)) {
			throw new IllegalStateException("the application did not exit:\n" + String.join("\n", this.lines));
		}
		this.reader.join(10_000);
		return this.process.exitValue();
	}

	/**
	 * Kill the application with SIGKILL (what {@code destroyForcibly} sends on Linux)
	 * and wait until it is gone and its output is read.
	 * @throws InterruptedException if interrupted
	 */
	void kill() throws InterruptedException {
		this.process.destroyForcibly();
		this.process.waitFor(30, TimeUnit.SECONDS);
		this.reader.join(10_000);
	}

	@Override
	public void close() throws InterruptedException {
		if (this.process.isAlive()) {
			kill();
		}
	}

}
