package io.github.agentmemory.redis.resilience;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import io.github.agentmemory.redis.resilience.ResilientCommandExecutor;
import io.github.agentmemory.redis.AsyncResilientRedisTemplate;
import io.github.agentmemory.redis.test.RedisServerExtension;
import io.github.agentmemory.redis.test.TemplateContexts;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.dao.InvalidDataAccessApiUsageException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.data.redis.RedisConnectionFailureException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The circuit breaker and the retries against real faults of a real Redis.
 */
class CircuitBreakerIntegrationTests {

	@RegisterExtension
	static final RedisServerExtension redis = new RedisServerExtension();

	private ApplicationContextRunner runner() {
		return TemplateContexts.runner(redis)
			.withPropertyValues("agent-memory.redis.circuit-breaker.wait-duration-in-open-state=1s",
					"agent-memory.redis.fail-fast.max-reconnect-delay=100ms");
	}

	@Test
	void circuitOpensAfterThreeConsecutiveConnectionFailuresAndClosesWhenRedisIsBack() {
		runner().withPropertyValues("agent-memory.redis.retry.max-attempts=1").run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			CircuitBreaker breaker = context.getBean(CircuitBreaker.class);
			assertThat(template.set("k", "v").join()).isTrue();
			redis.stop();
			// Lettuce's failed reconnect attempts count too: the circuit may open before the third call
			for (int i = 0; i < 3 && breaker.getState() == State.CLOSED; i++) {
				assertThatThrownBy(() -> template.get("k").join()).isInstanceOf(CompletionException.class)
					.cause()
					.isInstanceOf(RedisConnectionFailureException.class);
			}
			assertThat(breaker.getState()).isEqualTo(State.OPEN);
			CompletableFuture<?> rejected = template.get("k");
			assertThat(rejected).as("rejected without waiting for anything").isCompletedExceptionally();
			assertThatThrownBy(rejected::join).cause().isInstanceOf(RedisCircuitOpenException.class);
			assertThat(breaker.getMetrics().getNumberOfNotPermittedCalls()).isEqualTo(1);
			redis.start();
			redis.admin().set("k", "v2");
			await().atMost(Duration.ofSeconds(20))
				.pollInterval(Duration.ofMillis(200))
				.ignoreExceptions()
				.untilAsserted(() -> assertThat(template.get("k").join()).contains("v2"));
			assertThat(breaker.getState()).isEqualTo(State.CLOSED);
		});
	}

	@Test
	void callWaitingForItsRetryEndsAsSoonAsLettucesFailedReconnectAttemptsOpenTheCircuit() {
		// a backoff far longer than the wait below: the call can only end early through the breaker
		runner()
			.withPropertyValues("agent-memory.redis.retry.initial-interval=30s", "agent-memory.redis.retry.max-interval=30s",
					"agent-memory.redis.retry.jitter=0")
			.run((context) -> {
				AsyncResilientRedisTemplate template = template(context);
				CircuitBreaker breaker = context.getBean(CircuitBreaker.class);
				template.ping().join();
				redis.stop();
				CompletableFuture<?> call = template.get("k");
				await().atMost(Duration.ofSeconds(20)).until(call::isDone);
				assertThat(breaker.getState()).isEqualTo(State.OPEN);
				assertThatThrownBy(call::join).cause().isInstanceOf(RedisCircuitOpenException.class);
			});
	}

	@Test
	void callWhoseOwnFailureOpensTheCircuitFailsFastInsteadOfWaitingForItsRetry() {
		runner().withPropertyValues("agent-memory.redis.circuit-breaker.failure-threshold=1",
				"agent-memory.redis.retry.initial-interval=30s", "agent-memory.redis.retry.max-interval=30s")
			.run((context) -> {
				AsyncResilientRedisTemplate template = template(context);
				CircuitBreaker breaker = context.getBean(CircuitBreaker.class);
				template.ping().join();
				redis.stop();
				CompletableFuture<?> call = template.get("k");
				await().atMost(Duration.ofSeconds(20)).until(call::isDone);
				assertThat(breaker.getState()).isEqualTo(State.OPEN);
				assertThatThrownBy(call::join).cause()
					.as("rejected by the open circuit, not left waiting for the 30s backoff")
					.isInstanceOf(RedisCircuitOpenException.class)
					.satisfies((ex) -> assertThat(ex.getSuppressed()).isNotEmpty());
			});
	}

	@Test
	void halfOpenCircuitAdmitsOneProbeAndReopensWhenItFails() {
		runner().withPropertyValues("agent-memory.redis.retry.max-attempts=1").run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			CircuitBreaker breaker = context.getBean(CircuitBreaker.class);
			template.ping().join();
			redis.stop();
			while (breaker.getState() != State.OPEN) {
				template.ping().exceptionally((ex) -> null).join();
			}
			await().atMost(Duration.ofSeconds(10)).until(() -> {
				CompletableFuture<String> probe = template.ping();
				probe.exceptionally((ex) -> null).join();
				return breaker.getState() == State.OPEN && !isCircuitOpen(probe);
			});
			assertThat(breaker.getState()).as("the failed probe opened the circuit again").isEqualTo(State.OPEN);
		});
	}

	@Test
	void callsFailFastWithAConnectionErrorWhileDisconnected() {
		runner().withPropertyValues("agent-memory.redis.retry.max-attempts=1",
				"agent-memory.redis.circuit-breaker.failure-threshold=100", "spring.data.redis.timeout=30s")
			.run((context) -> {
				AsyncResilientRedisTemplate template = template(context);
				template.ping().join();
				redis.stop();
				for (int i = 0; i < 5; i++) {
					assertThatThrownBy(() -> template.get("k").join()).cause()
						.as("rejected by Lettuce, not left to time out after 30s")
						.isInstanceOf(RedisConnectionFailureException.class)
						.isNotInstanceOf(QueryTimeoutException.class);
				}
			});
	}

	@Test
	void wrongTypeNeitherTripsTheBreakerNorIsRetried() {
		runner().run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			CircuitBreaker breaker = context.getBean(CircuitBreaker.class);
			template.set("string", "v").join();
			for (int i = 0; i < 5; i++) {
				assertThatThrownBy(() -> template.hgetAll("string").join()).cause()
					.isInstanceOf(InvalidDataAccessApiUsageException.class)
					.hasMessageContaining("WRONGTYPE");
			}
			assertThat(breaker.getState()).isEqualTo(State.CLOSED);
			assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isZero();
			assertThat(redis.commandCalls("hgetall")).as("HGETALL sent once per call, never retried").isEqualTo(5);
		});
	}

	@Test
	void timeoutIsRetriedUntilTheServerAnswers() {
		runner().withPropertyValues("agent-memory.redis.retry.max-attempts=6").run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			template.set("k", "v").join();
			redis.admin().clientPause(1200);
			assertThat(template.get("k").join()).contains("v");
			assertThat(context.getBean(ResilientCommandExecutor.class).getRetry().getMetrics().getNumberOfSuccessfulCallsWithRetryAttempt())
				.isEqualTo(1);
			assertThat(redis.commandCalls("get")).as("GET attempts").isGreaterThanOrEqualTo(2);
		});
	}

	@Test
	void debugSleepTimesOutAsQueryTimeoutWhenRetriesAreExhausted() {
		runner().withPropertyValues("agent-memory.redis.retry.max-attempts=2",
				"agent-memory.redis.circuit-breaker.failure-threshold=10")
			.run((context) -> {
				AsyncResilientRedisTemplate template = template(context);
				template.ping().join();
				// on the template's own connection, so that the GET below queues behind it
				CompletableFuture<String> sleep = template.execute("DEBUG", false, (commands) -> commands.dispatch(
						CommandType.DEBUG, new StatusOutput<>(ByteArrayCodec.INSTANCE),
						new CommandArgs<>(ByteArrayCodec.INSTANCE).add("SLEEP").add(2)));
				assertThatThrownBy(() -> template.get("k").join()).cause().isInstanceOf(QueryTimeoutException.class);
				assertThat(context.getBean(ResilientCommandExecutor.class).getRetry().getMetrics().getNumberOfFailedCallsWithRetryAttempt())
					.isEqualTo(1);
				assertThatThrownBy(sleep::join).cause().isInstanceOf(QueryTimeoutException.class);
			});
	}

	@Test
	void nonIdempotentCommandsAreNotRetriedAfterATimeout() {
		runner().withPropertyValues("agent-memory.redis.retry.max-attempts=6").run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			template.ping().join();
			redis.admin().clientPause(2000);
			assertThatThrownBy(
					() -> template.execute("INCR", false, (commands) -> commands.incr("counter".getBytes())).join())
				.cause()
				.isInstanceOf(QueryTimeoutException.class);
			await().atMost(Duration.ofSeconds(5)).until(() -> "1".equals(redis.admin().get("counter")));
			assertThat(redis.admin().get("counter")).as("applied once, never twice").isEqualTo("1");
		});
	}

	@Test
	void contextStartsAndCallsFailCleanlyWhileRedisIsDown() {
		TemplateContexts.runner()
			.withPropertyValues("spring.data.redis.port=" + RedisServerExtension.freePort(),
					"agent-memory.redis.retry.max-attempts=1")
			.run((context) -> {
				AsyncResilientRedisTemplate template = template(context);
				assertThatThrownBy(() -> template.get("k").join()).cause()
					.isInstanceOf(RedisConnectionFailureException.class);
			});
	}

	private static boolean isCircuitOpen(CompletableFuture<?> call) {
		return call.isCompletedExceptionally()
				&& call.handle((value, ex) -> ex.getCause() instanceof RedisCircuitOpenException).join();
	}


	static AsyncResilientRedisTemplate template(AssertableApplicationContext context) {
		assertThat(context).hasNotFailed();
		return context.getBean(AsyncResilientRedisTemplate.class);
	}

}
