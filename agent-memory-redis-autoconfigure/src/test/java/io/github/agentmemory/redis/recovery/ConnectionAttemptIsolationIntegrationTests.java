package io.github.agentmemory.redis.recovery;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import io.github.agentmemory.redis.test.SilentServer;
import io.github.agentmemory.redis.AsyncResilientRedisTemplate;
import io.github.agentmemory.redis.command.DropReason;
import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.command.WriteOutcome;
import io.github.agentmemory.redis.command.WriteOutcome.Status;
import io.github.agentmemory.redis.test.TemplateContexts;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Connection attempts and the library's scheduler, against a server that accepts TCP
 * connections and never answers, so that a connection attempt hangs for as long as its
 * timeout allows.
 */
class ConnectionAttemptIsolationIntegrationTests {

	/**
	 * Defect 13: while a connection attempt hangs (a server that accepts and never
	 * answers, 10 s connect and command timeouts), the library's scheduler still runs a
	 * recovery round promptly: a queued write older than the maximum age is given up
	 * {@code EXPIRED} within 2 s. The scheduler has one thread here, so that a single
	 * blocked attempt would stall every round; with the default two, two hanging attempts
	 * would.
	 * <p>
	 * On 5a260f0 this failed, as it does until connection attempts leave the scheduler:
	 * the settlement was not completed within 2 s, and the only scheduler thread,
	 * {@code agent-memory-redis-1}, was WAITING in {@code AbstractRedisClient.getConnection}
	 * called from {@code LettuceNativeConnection.open}.
	 */
	@Test
	void recoveryRoundRunsWhileAConnectionAttemptHangs() throws IOException {
		try (SilentServer server = new SilentServer()) {
			TemplateContexts.runner()
				.withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + server.port(),
						"spring.data.redis.timeout=10s", "spring.data.redis.connect-timeout=10s",
						"agent-memory.redis.scheduler.pool-size=1", "agent-memory.redis.recovery.poll-interval=100ms",
						"agent-memory.redis.recovery.max-age=300ms", "agent-memory.redis.recovery.shutdown-timeout=100ms")
				.run((context) -> {
					assertThat(context).hasNotFailed();
					AsyncResilientRedisTemplate template = context.getBean(AsyncResilientRedisTemplate.class);
					try {
						CompletableFuture<String> ping = template.ping();
						await("connection attempt started").atMost(Duration.ofSeconds(5))
							.until(() -> !server.accepted().isEmpty());
						context.getBean(CircuitBreaker.class).transitionToOpenState();
						WriteOutcome outcome = template.write(RedisWrite.set("k", "v"), Priority.HIGH).join();
						assertThat(outcome.status()).isEqualTo(Status.QUEUED);
						assertThat(outcome.settlement())
							.as(() -> "a recovery round while the connection attempt hangs; the scheduler's threads: "
									+ schedulerThreads())
							.succeedsWithin(Duration.ofSeconds(6))
							.extracting(WriteOutcome::dropReason)
							.isEqualTo(DropReason.EXPIRED);
						assertThat(ping).as("the connection attempt still hangs").isNotDone();
					}
					finally {
						// let the hanging attempt fail now rather than after its timeout
						server.close();
					}
				});
		}
	}

	/** The library's scheduler threads and where they are, for the failure message. */
	private static String schedulerThreads() {
		StringBuilder threads = new StringBuilder();
		Thread.getAllStackTraces().forEach((thread, stack) -> {
			if (thread.getName().startsWith("agent-memory-redis-")) {
				threads.append("\n").append(thread.getName()).append(' ').append(thread.getState());
				for (int i = 0; i < Math.min(stack.length, 40); i++) {
					if (stack[i].getMethodName().equals("getConnection") || stack[i].getMethodName().equals("open")) {
						threads.append("\n\tat ").append(stack[i]);
					}
				}
			}
		});
		return threads.toString();
	}

	/**
	 * A TCP server on loopback that accepts every connection and never answers.
	 */

}
