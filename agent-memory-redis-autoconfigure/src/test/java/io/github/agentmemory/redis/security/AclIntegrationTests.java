package io.github.agentmemory.redis.security;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.github.agentmemory.redis.AsyncResilientRedisTemplate;
import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.command.WriteOutcome;
import io.github.agentmemory.redis.test.RedisServerExtension;
import io.github.agentmemory.redis.test.TemplateContexts;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.dao.PermissionDeniedDataAccessException;

import static io.github.agentmemory.redis.security.TemplateCalls.failure;
import static io.github.agentmemory.redis.security.TemplateCalls.template;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * An ACL user with a password and limited rights ({@code ~app:*}, no dangerous
 * commands) through {@code spring.data.redis.username} and {@code .password}: what it may
 * do works, what it may not is refused for good ({@code NOPERM}), never retried, never
 * counted against the circuit and never queued.
 */
@ExtendWith(OutputCaptureExtension.class)
class AclIntegrationTests {

	private static final String APP_PASSWORD = "app-s3cr3t-Pa55word";

	@RegisterExtension
	static final RedisServerExtension redis = new RedisServerExtension(
			"user app on >" + APP_PASSWORD + " ~app:* +@all -@dangerous");

	private ApplicationContextRunner runner() {
		return TemplateContexts.runner(redis)
			.withPropertyValues("spring.data.redis.username=app", "spring.data.redis.password=" + APP_PASSWORD,
					"agent-memory.redis.retry.max-attempts=4");
	}

	@Test
	void anAclUserWorksThroughTheUsernameAndPasswordProperties(CapturedOutput output) {
		runner().run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			assertThat(template.hsetAll("app:agent:7", Map.of("position", "10,20")).join()).isEqualTo(1L);
			assertThat(template.hget("app:agent:7", "position").join()).contains("10,20");
			assertThat(template.storeAgentState("7", Map.of("health", "90"), Priority.NORMAL).join().isApplied())
				.as("agent:7:state is outside ~app:*")
				.isFalse();
			assertThat(redis.admin().clientList()).contains("user=app");
		});
		assertThat(output.getAll()).doesNotContain(APP_PASSWORD);
	}

	@Test
	void aKeyOutsideTheUsersPatternIsPermissionDeniedNeitherRetriedNorABreakerFailure() {
		runner().run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			CircuitBreaker breaker = context.getBean(CircuitBreaker.class);
			for (int i = 0; i < 5; i++) {
				assertThat(failure(template.set("other:1", "v"))).isInstanceOf(PermissionDeniedDataAccessException.class)
					.hasMessageContaining("NOPERM")
					.hasMessageContaining("the user's ACL");
				assertThat(failure(template.get("other:1"))).isInstanceOf(PermissionDeniedDataAccessException.class);
			}
			assertThat(RedisStats.attempts(redis, "set")).as("SET sent once per call").isEqualTo(5);
			assertThat(RedisStats.attempts(redis, "get")).as("GET sent once per call").isEqualTo(5);
			assertThat(breaker.getState()).isEqualTo(State.CLOSED);
			assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isZero();
			assertThat(template.set("app:1", "v").join()).as("the connection is fine").isTrue();
		});
	}

	@Test
	void aDangerousCommandIsPermissionDenied() {
		runner().run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			CompletableFuture<String> flush = template.execute("FLUSHALL", false,
					(commands) -> commands.dispatch(CommandType.FLUSHALL, new StatusOutput<>(ByteArrayCodec.INSTANCE),
							new CommandArgs<>(ByteArrayCodec.INSTANCE)));
			assertThat(failure(flush)).isInstanceOf(PermissionDeniedDataAccessException.class)
				.hasMessageContaining("NOPERM");
			assertThat(context.getBean(CircuitBreaker.class).getMetrics().getNumberOfFailedCalls()).isZero();
		});
	}

	@Test
	void aPriorityWriteOutsideTheUsersPatternFailsAndIsNeverQueued() {
		runner().run((context) -> {
			AsyncResilientRedisTemplate template = template(context);
			for (Priority priority : Priority.values()) {
				WriteOutcome outcome = template.write(RedisWrite.set("other:" + priority, "v"), priority).join();
				assertThat(outcome.status()).as(priority.name()).isEqualTo(WriteOutcome.Status.FAILED);
				assertThat(outcome.cause()).isInstanceOf(PermissionDeniedDataAccessException.class)
					.hasMessageContaining("NOPERM");
			}
			assertThat(RedisStats.attempts(redis, "set")).as("each write sent once, CRITICAL too").isEqualTo(4);
			assertThat(template.recoveryStats().totalSize()).isZero();
			assertThat(template.recoveryStats().enqueued().values()).containsOnly(0L);
			assertThat(context.getBean(CircuitBreaker.class).getState()).isEqualTo(State.CLOSED);
		});
	}

}
