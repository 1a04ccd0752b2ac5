package io.github.agentmemory.redis.recovery;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.github.agentmemory.redis.AsyncResilientRedisTemplate;
import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.command.WriteOutcome;
import io.github.agentmemory.redis.test.RedisServerExtension;
import io.github.agentmemory.redis.test.TemplateContexts;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The recovery queue's pipelined replay (batches on the replay connection) against a real
 * Redis, watched with {@code MONITOR}: every queued write is applied, and each key's
 * writes in the order they were issued, also when every client connection is killed in
 * the middle of the drain.
 */
class PipelinedReplayIntegrationTests {

	private static final int KEYS = 2000;

	private static final int WRITES_PER_KEY = 5;

	private static final Pattern SET = Pattern.compile("\"SET\" \"(pipelined:[0-9]+)\" \"([0-9]+)\"");

	@RegisterExtension
	static final RedisServerExtension redis = new RedisServerExtension();

	private ApplicationContextRunner runner() {
		return TemplateContexts.runner(redis)
			.withPropertyValues("agent-memory.redis.recovery.capacity=10000",
					"agent-memory.redis.recovery.poll-interval=100ms", "agent-memory.redis.recovery.batch-size=100",
					// the test ends the open state itself: first once MONITOR watches, then whenever it opens
					"agent-memory.redis.circuit-breaker.wait-duration-in-open-state=1h",
					"agent-memory.redis.fail-fast.max-reconnect-delay=50ms");
	}

	@Test
	void queuedWritesAreAllAppliedInTheirKeysOrder() {
		drain(false);
	}

	@Test
	void connectionsKilledInTheMiddleOfTheDrainLoseNothingAndReorderNothing() {
		drain(true);
	}

	private void drain(boolean killConnectionsMidway) {
		runner().run((context) -> {
			AsyncResilientRedisTemplate template = context.getBean(AsyncResilientRedisTemplate.class);
			CircuitBreaker breaker = context.getBean(CircuitBreaker.class);
			RecoveryCounters counters = context.getBean(RecoveryCounters.class);
			template.set("warm", "up").join();
			redis.stop();
			// a call that fails and waits for its retry: its failures and Lettuce's refused reconnects open the circuit
			template.ping();
			await().atMost(Duration.ofSeconds(20)).until(() -> breaker.getState() == CircuitBreaker.State.OPEN);
			List<CompletableFuture<WriteOutcome>> outcomes = new ArrayList<>();
			for (int i = 0; i < WRITES_PER_KEY; i++) {
				for (int key = 0; key < KEYS; key++) {
					outcomes.add(template.write(RedisWrite.set("pipelined:" + key, Integer.toString(i)),
							Priority.NORMAL));
				}
			}
			assertThat(outcomes).allSatisfy(
					(outcome) -> assertThat(outcome.join().status()).isEqualTo(WriteOutcome.Status.QUEUED));
			redis.start();
			try (Monitor monitor = new Monitor(redis.host(), redis.port())) {
				AtomicInteger replayed = new AtomicInteger();
				CompletableFuture<Void> killed = new CompletableFuture<>();
				counters.addListener(new RecoveryListener() {
					@Override
					public void replayed(Priority priority) {
						if (replayed.incrementAndGet() == KEYS * WRITES_PER_KEY / 3 && killConnectionsMidway) {
							// here, on the thread of the replies: the drain cannot go on meanwhile
							killClientsBut(monitor.clientId());
							killed.complete(null);
						}
					}
				});
				breaker.transitionToClosedState();
				await().atMost(Duration.ofSeconds(60)).until(() -> {
					if (breaker.getState() == CircuitBreaker.State.OPEN) {
						// the killed connections' failures opened it: the open-state wait is over
						breaker.transitionToHalfOpenState();
					}
					return template.recoveryStats().totalSize() == 0 && replayed.get() >= KEYS * WRITES_PER_KEY
							&& monitor.setsSeen() >= KEYS * WRITES_PER_KEY;
				});
				if (killConnectionsMidway) {
					assertThat(killed).isDone();
				}
				assertThat(template.recoveryStats().totalDropped()).isZero();
				Map<String, List<Integer>> applied = monitor.setsByKey();
				assertThat(applied).hasSize(KEYS);
				applied.forEach((key, values) -> {
					assertThat(values).as("every write of %s applied", key)
						.containsAll(List.of(0, 1, 2, 3, 4));
					assertThat(values).as("%s's writes never applied out of order (a write whose reply was lost "
							+ "may be applied twice in a row)", key).isSorted();
					assertThat(redis.admin().get(key)).isEqualTo(Integer.toString(WRITES_PER_KEY - 1));
				});
			}
		});
	}

	/** Kill every client connection but the monitor's and the admin's: the template's two. */
	private static void killClientsBut(long monitorId) {
		RedisCommands<String, String> admin = redis.admin();
		long adminId = admin.clientId();
		for (String line : admin.clientList().split("\n")) {
			Matcher id = Pattern.compile("\\bid=([0-9]+)").matcher(line);
			if (id.find()) {
				long clientId = Long.parseLong(id.group(1));
				if (clientId != monitorId && clientId != adminId) {
					admin.clientKill(io.lettuce.core.KillArgs.Builder.id(clientId));
				}
			}
		}
	}

	/**
	 * A {@code MONITOR} connection (plain RESP over a socket: Lettuce has no MONITOR API)
	 * that records the SET commands Redis executes, in the order it executes them.
	 */
	private static final class Monitor implements AutoCloseable {

		private final Socket socket;

		private final long clientId;

		private final List<String> sets = new CopyOnWriteArrayList<>();

		private final Thread reader;

		Monitor(String host, int port) throws IOException {
			this.socket = new Socket(host, port);
			OutputStream out = this.socket.getOutputStream();
			BufferedReader in = new BufferedReader(
					new InputStreamReader(this.socket.getInputStream(), StandardCharsets.UTF_8));
			out.write("CLIENT ID\r\nMONITOR\r\n".getBytes(StandardCharsets.US_ASCII));
			out.flush();
			this.clientId = Long.parseLong(in.readLine().substring(1));
			assertThat(in.readLine()).isEqualTo("+OK");
			this.reader = new Thread(() -> {
				try {
					for (String line = in.readLine(); line != null; line = in.readLine()) {
						if (SET.matcher(line).find()) {
							this.sets.add(line);
						}
					}
				}
				catch (IOException ex) {
					// closed
				}
			}, "monitor");
			this.reader.setDaemon(true);
			this.reader.start();
		}

		long clientId() {
			return this.clientId;
		}

		int setsSeen() {
			return this.sets.size();
		}

		Map<String, List<Integer>> setsByKey() {
			Map<String, List<Integer>> byKey = new HashMap<>();
			for (String line : this.sets) {
				Matcher set = SET.matcher(line);
				if (set.find()) {
					byKey.computeIfAbsent(set.group(1), (key) -> new ArrayList<>()).add(Integer.parseInt(set.group(2)));
				}
			}
			return byKey;
		}

		@Override
		public void close() throws Exception {
			this.socket.close();
			this.reader.join();
		}

	}

}
