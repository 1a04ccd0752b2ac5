package io.github.agentmemory.redis.security;

import java.time.Duration;

import io.github.agentmemory.redis.resilience.ResilientCommandExecutor;
import io.github.agentmemory.redis.AsyncResilientRedisTemplate;
import io.github.agentmemory.redis.actuate.AgentMemoryRedisHealthIndicator;
import io.github.agentmemory.redis.autoconfigure.AgentMemoryRedisHealthContributorAutoConfiguration;
import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.command.WriteOutcome;
import io.github.agentmemory.redis.resilience.RedisCircuitOpenException;
import io.github.agentmemory.redis.test.RedisServerExtension;
import io.github.agentmemory.redis.test.TemplateContexts;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.github.agentmemory.redis.test.BootLine;
import io.lettuce.core.KillArgs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.dao.PermissionDeniedDataAccessException;
import org.springframework.data.redis.RedisConnectionFailureException;

import static io.github.agentmemory.redis.security.TemplateCalls.failure;
import static io.github.agentmemory.redis.security.TemplateCalls.template;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A Redis that requires a password: the password works, a wrong one fails clearly and
 * at once, and neither ever shows up in logs, exceptions or health details, even with
 * debug logging on.
 */
@ExtendWith({ OutputCaptureExtension.class, DebugLogging.class })
class AuthenticationIntegrationTests {

	private static final String PASSWORD = "s3cr3t-Pa55word";

	private static final String WRONG_PASSWORD = "wr0ng-Pa55word";

	private static final String ROTATED_PASSWORD = "r0tated-Pa55word";

	@RegisterExtension
	static final RedisServerExtension redis = new RedisServerExtension("requirepass " + PASSWORD);

	private ApplicationContextRunner runner(String password) {
		return TemplateContexts.runner(redis).withPropertyValues("spring.data.redis.password=" + password);
	}

	@Test
	void theRightPasswordConnectsAndIsNeverPrinted(CapturedOutput output) {
		runner(PASSWORD).run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			assertThat(template.set("k", "v").join()).isTrue();
			assertThat(template.get("k").join()).contains("v");
			assertThat(RedisStats.authAttempts(redis)).as("one connection, authenticated once").isEqualTo(1);
		});
		assertThat(output.getAll()).as("debug logging was on").contains("HELLO").doesNotContain(PASSWORD);
	}

	@Test
	void aPasswordInTheRedisUrlWorksAndIsNeverPrinted(CapturedOutput output) {
		TemplateContexts.runner()
			.withPropertyValues("spring.data.redis.url=redis://:" + PASSWORD + "@127.0.0.1:" + redis.port())
			.run((context) -> assertThat(template(context).set("k", "v").join()).isTrue());
		assertThat(output.getAll()).contains("HELLO").doesNotContain(PASSWORD);
	}

	@Test
	void aWrongPasswordFailsEveryCallWithAPermissionErrorWithoutRetriesOrAnOpenCircuit(CapturedOutput output) {
		runner(WRONG_PASSWORD).withPropertyValues("agent-memory.redis.retry.max-attempts=4").run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			CircuitBreaker breaker = context.getBean(CircuitBreaker.class);
			long start = System.nanoTime();
			for (int i = 0; i < 20; i++) {
				Throwable error = failure(template.get("k"));
				assertThat(error).isInstanceOf(PermissionDeniedDataAccessException.class)
					.isNotInstanceOf(RedisCircuitOpenException.class)
					.hasMessageContaining("WRONGPASS")
					.hasMessageContaining("spring.data.redis.username")
					.hasMessageContaining("spring.data.redis.password");
				assertThat(RedisStats.printed(error)).doesNotContain(WRONG_PASSWORD).doesNotContain(PASSWORD);
			}
			long seconds = Duration.ofNanos(System.nanoTime() - start).toSeconds();
			assertThat(breaker.getState()).isEqualTo(State.CLOSED);
			assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isZero();
			assertThat(context.getBean(ResilientCommandExecutor.class).getRetry().getMetrics().getNumberOfFailedCallsWithRetryAttempt()
					+ context.getBean(ResilientCommandExecutor.class).getRetry().getMetrics().getNumberOfSuccessfulCallsWithRetryAttempt())
				.as("never retried")
				.isZero();
			assertThat(RedisStats.authAttempts(redis))
				.as("a new connection is tried at most once a second, on demand, never once per call or retry")
				.isBetween(1L, 1 + seconds);
		});
		assertThat(output.getAll()).contains("WRONGPASS").doesNotContain(WRONG_PASSWORD).doesNotContain(PASSWORD);
	}

	@Test
	void aWrongPasswordFailsPriorityWritesInsteadOfQueueingThem(CapturedOutput output) {
		runner(WRONG_PASSWORD).run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			for (Priority priority : Priority.values()) {
				WriteOutcome outcome = template.write(RedisWrite.set("k", "v"), priority).join();
				assertThat(outcome.status()).as(priority.name()).isEqualTo(WriteOutcome.Status.FAILED);
				assertThat(outcome.cause()).isInstanceOf(PermissionDeniedDataAccessException.class);
			}
			assertThat(template.recoveryStats().totalSize()).isZero();
			assertThat(template.recoveryStats().totalDropped()).isZero();
		});
		assertThat(output.getAll()).contains("WRONGPASS").doesNotContain(WRONG_PASSWORD);
	}

	@Test
	void healthDetailsNameTheAuthenticationErrorButNotThePassword(CapturedOutput output) {
		runner(WRONG_PASSWORD)
			.withConfiguration(BootLine.redisHealth())
			.withConfiguration(AutoConfigurations.of(AgentMemoryRedisHealthContributorAutoConfiguration.class))
			.withPropertyValues("agent-memory.redis.health.latency-interval=100ms")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				AgentMemoryRedisHealthIndicator indicator = context.getBean(AgentMemoryRedisHealthIndicator.class);
				await().atMost(Duration.ofSeconds(10))
					.untilAsserted(() -> assertThat(indicator.health().getDetails().get("latency").toString())
						.contains("PermissionDeniedDataAccessException")
						.contains("WRONGPASS"));
				var health = indicator.health();
				assertThat(health.getStatus()).as("no call can succeed").isEqualTo(BootLine.DOWN);
				assertThat(health.getDetails()).containsEntry("state", CircuitBreaker.State.CLOSED);
				assertThat(health.getDetails().get("error")).asString().contains("WRONGPASS");
				assertThat(health.toString()).doesNotContain(WRONG_PASSWORD).doesNotContain(PASSWORD);
				var bootHealth = BootLine.health(context, BootLine.REDIS_HEALTH_INDICATOR);
				assertThat(bootHealth.getStatus()).isEqualTo(BootLine.DOWN);
				assertThat(bootHealth.toString()).doesNotContain(WRONG_PASSWORD).doesNotContain(PASSWORD);
			});
		assertThat(output.getAll()).contains("WRONGPASS").doesNotContain(WRONG_PASSWORD).doesNotContain(PASSWORD);
	}

	@Test
	void aPasswordChangedOnTheServerIsReportedAsAPermissionErrorNotAsAnOpenCircuit(CapturedOutput output) {
		runner(PASSWORD).withPropertyValues("agent-memory.redis.fail-fast.max-reconnect-delay=100ms").run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			CircuitBreaker breaker = context.getBean(CircuitBreaker.class);
			assertThat(template.set("k", "v").join()).isTrue();
			long connectedHellos = RedisStats.attempts(redis, "hello");
			redis.admin().configSet("requirepass", ROTATED_PASSWORD);
			try {
				redis.admin().clientKill(KillArgs.Builder.typeNormal().skipme());
				await().atMost(Duration.ofSeconds(10))
					.until(() -> RedisStats.failedCalls(redis, "hello") >= 1);
				await().atMost(Duration.ofSeconds(10))
					.untilAsserted(() -> assertThat(failure(template.get("k")))
						.isInstanceOf(PermissionDeniedDataAccessException.class));
				for (int i = 0; i < 10; i++) {
					assertThat(failure(template.get("k"))).isInstanceOf(PermissionDeniedDataAccessException.class)
						.hasMessageContaining("WRONGPASS");
				}
				assertThat(breaker.getState()).isEqualTo(State.CLOSED);
				long attempts = RedisStats.authAttempts(redis);
				await().during(Duration.ofSeconds(1))
					.atMost(Duration.ofSeconds(2))
					.until(() -> RedisStats.authAttempts(redis) == attempts);
			}
			finally {
				redis.admin().configSet("requirepass", PASSWORD);
			}
			await().atMost(Duration.ofSeconds(10))
				.pollInterval(Duration.ofMillis(200))
				.ignoreExceptions()
				.untilAsserted(() -> assertThat(template.get("k").join()).contains("v"));
			assertThat(RedisStats.attempts(redis, "hello")).isGreaterThan(connectedHellos);
			assertThat(breaker.getState()).isEqualTo(State.CLOSED);
		});
		assertThat(output.getAll()).contains("WRONGPASS")
			.doesNotContain(PASSWORD)
			.doesNotContain(ROTATED_PASSWORD);
	}

	@Test
	void redisDownWithAPasswordConfiguredNeverPrintsIt(CapturedOutput output) {
		TemplateContexts.runner()
			.withPropertyValues(
					"spring.data.redis.url=redis://app:" + PASSWORD + "@127.0.0.1:" + RedisServerExtension.freePort(),
					"spring.data.redis.connect-timeout=500ms", "agent-memory.redis.retry.max-attempts=2",
					"agent-memory.redis.retry.initial-interval=50ms")
			.run((context) -> {
				AsyncResilientRedisTemplate template = template(context);
				for (int i = 0; i < 5; i++) {
					Throwable error = failure(template.get("k"));
					assertThat(error).isInstanceOf(RedisConnectionFailureException.class);
					assertThat(RedisStats.printed(error)).doesNotContain(PASSWORD);
				}
				assertThat(context.getBean(CircuitBreaker.class).getState()).isEqualTo(State.OPEN);
			});
		assertThat(output.getAll()).contains("Could not connect to Redis").doesNotContain(PASSWORD);
	}

}
