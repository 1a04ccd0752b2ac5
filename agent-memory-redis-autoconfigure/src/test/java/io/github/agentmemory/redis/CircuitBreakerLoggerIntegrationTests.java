package io.github.agentmemory.redis;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.command.WriteOutcome;
import io.github.agentmemory.redis.test.RedisServerExtension;
import io.github.agentmemory.redis.test.TemplateContexts;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@link CircuitBreakerLogger} through an outage of a real Redis: one {@code WARN} when
 * the circuit opens, one {@code INFO} when it closes, whatever happens in between.
 */
@ExtendWith(OutputCaptureExtension.class)
class CircuitBreakerLoggerIntegrationTests {

	@RegisterExtension
	static final RedisServerExtension redis = new RedisServerExtension("requirepass logger-secret");

	@Test
	void outageIsLoggedOnceWhenTheCircuitOpensAndOnceWhenItCloses(CapturedOutput output) {
		TemplateContexts.runner(redis)
			.withPropertyValues("spring.data.redis.password=logger-secret",
					"agent-memory.redis.circuit-breaker.wait-duration-in-open-state=1s",
					"agent-memory.redis.retry.max-attempts=1", "agent-memory.redis.recovery.poll-interval=100ms",
					"agent-memory.redis.fail-fast.max-reconnect-delay=100ms")
			.run((context) -> {
				assertThat(context).hasSingleBean(CircuitBreakerLogger.class);
				AsyncResilientRedisTemplate template = context.getBean(AsyncResilientRedisTemplate.class);
				CircuitBreaker breaker = context.getBean(CircuitBreaker.class);
				AtomicInteger opened = new AtomicInteger();
				breaker.getEventPublisher().onStateTransition((event) -> {
					if (event.getStateTransition().getToState() == CircuitBreaker.State.OPEN) {
						opened.incrementAndGet();
					}
				});
				assertThat(template.set("k", "0").join()).isTrue();
				redis.stop();
				try {
					for (int i = 1; i <= 5; i++) {
						WriteOutcome outcome = template.write(RedisWrite.set("k" + i, "v"), Priority.NORMAL).join();
						assertThat(outcome.status()).isEqualTo(WriteOutcome.Status.QUEUED);
					}
					assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);
					// the circuit reopens after each failed probe; that is no new outage
					await().atMost(Duration.ofSeconds(10)).until(() -> opened.get() >= 2);
				}
				finally {
					redis.start();
				}
				await().atMost(Duration.ofSeconds(20))
					.until(() -> breaker.getState() == CircuitBreaker.State.CLOSED
							&& template.recoveryStats().totalSize() == 0);
				await().atMost(Duration.ofSeconds(5)).until(() -> output.toString().contains("is available again"));
			});
		String address = redis.host() + ":" + redis.port();
		assertThat(output.toString().lines().filter((line) -> line.contains(" WARN ")
				&& line.contains("Redis at " + address + " is unavailable: circuit breaker 'agent-memory-redis' opened after "
						+ "RedisConnectionFailureException"))).hasSize(1);
		assertThat(output.toString().lines().filter((line) -> line.contains(" INFO ")
				&& line.contains("Redis at " + address + " is available again: circuit breaker 'agent-memory-redis' closed after ")
				&& line.matches(".* meanwhile [2-5] writes were queued, [0-5] replayed and 0 dropped .*"))).hasSize(1);
		assertThat(output).contains("(recovery queue: ").doesNotContain("logger-secret");
	}

}
