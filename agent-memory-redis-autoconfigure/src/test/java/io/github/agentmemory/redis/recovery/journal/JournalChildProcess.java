package io.github.agentmemory.redis.recovery.journal;

import io.github.agentmemory.redis.test.ChildJvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A {@link JournalChild} in a JVM of its own, on the test class path, with its output
 * lines collected.
 */
final class JournalChildProcess implements AutoCloseable {

	private final Process process;

	private final List<String> lines = new CopyOnWriteArrayList<>();

	private final Thread reader;

	private final Path errors;

	private JournalChildProcess(Process process, Path errors) {
		this.process = process;
		this.errors = errors;
		this.reader = new Thread(this::read, "journal-child-reader");
		this.reader.setDaemon(true);
		this.reader.start();
	}

	static JournalChildProcess start(Path workDirectory, String... args) throws IOException {
		List<String> command = ChildJvm.command(JournalChild.class, "-Xmx256m");
		command.addAll(List.of(args));
		Path errors = Files.createTempFile(workDirectory, "child-", ".err");
		Process process = new ProcessBuilder(command).redirectError(errors.toFile()).start();
		return new JournalChildProcess(process, errors);
	}

	private void read() {
		ChildJvm.collectLines(this.process.getInputStream(), this.lines);
	}

	List<String> lines() {
		return this.lines;
	}

	void awaitLine(String prefix, int count) {
		await().atMost(Duration.ofSeconds(60))
			.pollInterval(Duration.ofMillis(20))
			.failFast("child exited: " + errors(), () -> !this.process.isAlive())
			.until(() -> this.lines.stream().filter((line) -> line.startsWith(prefix)).count() >= count);
	}

	/**
	 * Kill the child with SIGKILL (what {@code destroyForcibly} sends on Linux), wait for
	 * it, and return every line it printed.
	 */
	List<String> kill() throws InterruptedException {
		this.process.destroyForcibly();
		this.process.waitFor(30, TimeUnit.SECONDS);
		this.reader.join(10_000);
		return List.copyOf(this.lines);
	}

	void closeInput() throws IOException {
		this.process.getOutputStream().close();
	}

	int waitFor() throws InterruptedException {
		this.process.waitFor(60, TimeUnit.SECONDS);
		return this.process.exitValue();
	}

	String errors() {
		try {
			return Files.readString(this.errors);
		}
		catch (IOException ex) {
			return ex.toString();
		}
	}

	@Override
	public void close() throws InterruptedException {
		if (this.process.isAlive()) {
			kill();
		}
	}

}
