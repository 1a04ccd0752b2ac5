package io.github.agentmemory.redis.recovery;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import io.github.agentmemory.redis.AsyncResilientRedisTemplate;
import io.github.agentmemory.redis.command.DropReason;
import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.command.WriteOutcome.Status;
import io.github.agentmemory.redis.recovery.journal.JournalStats;
import io.github.agentmemory.redis.recovery.journal.RecoveryJournal;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.agentmemory.redis.test.BootLine;

import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The application of {@link RecoveryJournalCrashIntegrationTests}, run as a child JVM:
 * Boot's Redis auto-configuration and the starter's, with the properties given on the
 * command line ({@code --key=value}).
 *
 * <p>
 * {@code WRITES --key=value...}: once started, prints
 * {@code STARTED recovered=R corrupt=C}; with WRITES above 0 (Redis must be down), opens
 * the circuit with LOW writes, then issues writes 0 to WRITES-1 of {@link #write(int)}
 * with at most 1,000 unanswered, prints {@code ACK i} for each answered QUEUED and
 * {@code NACK i STATUS REASON} for any other answer, and {@code DONE} once all are
 * answered. Then it prints a {@code STATUS} line every 50 ms and reads commands from its
 * input: {@code WRITE n} issues the next n writes the same way. It never stops by itself:
 * the parent kills it, or closes its input to stop it normally.
 */
@SpringBootConfiguration
@BootLine.ImportRedisAndTemplateAutoConfiguration
public class JournalCrashApplication {

	/** Keys the writes go to: write i goes to key i % KEYS. */
	static final int KEYS = 100;

	private static final PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);

	/**
	 * Write i: an HSET of key {@code crash:k<i % KEYS>} that sets {@code last} to the
	 * key's counter {@code i / KEYS} and a field {@code w<counter>} of its own, so that
	 * Redis shows every write applied, not only the last one. Priorities cycle through
	 * HIGH, NORMAL and CRITICAL in a different order on each key.
	 * @param i the write's index, in issue order
	 * @return the write
	 */
	static RedisWrite write(int i) {
		int counter = i / KEYS;
		return RedisWrite.hset(key(i % KEYS), Map.of("last", String.valueOf(counter), "w" + counter, "1"));
	}

	static Priority priority(int i) {
		return switch ((i + i / KEYS) % 3) {
			case 0 -> Priority.HIGH;
			case 1 -> Priority.NORMAL;
			default -> Priority.CRITICAL;
		};
	}

	static String key(int k) {
		return "crash:k" + k;
	}

	public static void main(String[] args) throws Exception {
		int writes = Integer.parseInt(args[0]);
		SpringApplication application = new SpringApplication(JournalCrashApplication.class);
		application.setWebApplicationType(WebApplicationType.NONE);
		application.setBannerMode(Banner.Mode.OFF);
		ConfigurableApplicationContext context = application.run(Arrays.copyOfRange(args, 1, args.length));
		RecoveryJournal journal = context.getBean(RecoveryJournal.class);
		AsyncResilientRedisTemplate template = context.getBean(AsyncResilientRedisTemplate.class);
		JournalStats started = journal.stats();
		print("STARTED recovered=" + started.recovered() + " corrupt="
				+ (started.corruptRecords() + started.tornTailFrames()));
		Writer writer = new Writer(template);
		if (writes > 0) {
			writer.openCircuit();
			writer.issue(writes);
		}
		ScheduledExecutorService status = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "status");
			thread.setDaemon(true);
			return thread;
		});
		status.scheduleWithFixedDelay(() -> printStatus(template, journal), 0, 50, TimeUnit.MILLISECONDS);
		BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
		String command;
		while ((command = in.readLine()) != null) {
			if (command.startsWith("WRITE ")) {
				writer.issue(Integer.parseInt(command.substring(6).trim()));
			}
		}
		status.shutdown();
		context.close();
	}

	private static void printStatus(AsyncResilientRedisTemplate template, RecoveryJournal journal) {
		RecoveryStats recovery = template.recoveryStats();
		JournalStats stats = journal.stats();
		print("STATUS journal=" + stats.entries() + " queue=" + recovery.totalSize() + " full="
				+ recovery.dropped().getOrDefault(DropReason.JOURNAL_FULL, 0L) + " fullRejections="
				+ stats.fullRejections() + " dropped=" + recovery.totalDropped() + " replayed="
				+ recovery.replayed().values().stream().mapToLong(Long::longValue).sum());
	}

	private static void print(String line) {
		synchronized (out) {
			out.println(line);
			out.flush();
		}
	}

	/**
	 * Issues the writes of {@link #write(int)} in order and prints their answers.
	 */
	private static final class Writer {

		private final AsyncResilientRedisTemplate template;

		private final Semaphore unanswered = new Semaphore(1_000);

		private int next;

		Writer(AsyncResilientRedisTemplate template) {
			this.template = template;
		}

		/** With Redis down, LOW writes open the circuit: writes are then queued at once. */
		private void openCircuit() {
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
			while (this.template.circuitState() != CircuitBreaker.State.OPEN) {
				if (System.nanoTime() - deadline > 0) {
					throw new IllegalStateException("The circuit did not open: is Redis down?");
				}
				this.template.write(RedisWrite.set("crash:warmup", "x"), Priority.LOW).join();
			}
		}

		private void issue(int count) throws InterruptedException {
			int end = this.next + count;
			Semaphore done = new Semaphore(0);
			for (int i = this.next; i < end; i++) {
				this.unanswered.acquire();
				int index = i;
				this.template.write(write(i), priority(i)).whenComplete((outcome, ex) -> {
					if (ex == null && outcome.status() == Status.QUEUED) {
						print("ACK " + index);
					}
					else {
						print("NACK " + index + " " + ((ex != null) ? ex : outcome.status() + " " + outcome.dropReason()));
					}
					this.unanswered.release();
					done.release();
				});
			}
			done.acquire(count);
			this.next = end;
			print("DONE");
		}

	}

}
