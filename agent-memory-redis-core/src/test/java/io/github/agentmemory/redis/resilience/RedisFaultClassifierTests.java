package io.github.agentmemory.redis.resilience;

import java.io.IOException;
import java.util.concurrent.CompletionException;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.RedisConnectionFailureException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link RedisFaultClassifier} (pure logic).
 */
class RedisFaultClassifierTests {

	private final RedisFaultClassifier classifier = new RedisFaultClassifier();

	@ParameterizedTest
	@CsvSource(delimiter = '|', textBlock = """
			LOADING Redis is loading the dataset in memory                  | TRANSIENT
			BUSY Redis is busy running a script                             | TRANSIENT
			TRYAGAIN Multiple keys request during rehashing of slot         | TRANSIENT
			CLUSTERDOWN The cluster is down                                 | TRANSIENT
			MASTERDOWN Link with MASTER is down                             | TRANSIENT
			READONLY You can't write against a read only replica.           | TRANSIENT
			MOVED 3999 127.0.0.1:6381                                        | TRANSIENT
			ERR max number of clients reached                               | TRANSIENT
			OOM command not allowed when used memory > 'maxmemory'.         | RESOURCE_EXHAUSTED
			MISCONF Redis is configured to save RDB snapshots               | RESOURCE_EXHAUSTED
			WRONGTYPE Operation against a key holding the wrong kind of value | PERMANENT
			NOAUTH Authentication required.                                 | PERMANENT
			WRONGPASS invalid username-password pair                        | PERMANENT
			NOPERM this user has no permissions to run the 'set' command    | PERMANENT
			ERR syntax error                                                | PERMANENT
			""")
	void errorRepliesAreClassifiedByTheirPrefix(String reply, RedisFault fault) {
		assertThat(this.classifier.classify(new RedisCommandExecutionException(reply))).isEqualTo(fault);
	}

	@Test
	void connectionProblemsAreTransient() {
		assertThat(this.classifier.classify(new RedisConnectionException("refused"))).isEqualTo(RedisFault.TRANSIENT);
		assertThat(this.classifier.classify(new RedisCommandTimeoutException("timed out")))
			.isEqualTo(RedisFault.TRANSIENT);
		assertThat(this.classifier.classify(new RedisException("Currently not connected. Commands are rejected.")))
			.isEqualTo(RedisFault.TRANSIENT);
		assertThat(this.classifier.classify(new CompletionException(new IOException("Connection reset by peer"))))
			.isEqualTo(RedisFault.TRANSIENT);
		assertThat(this.classifier.classify(new RedisCircuitOpenException("GET", "agent-memory-redis",
				io.github.resilience4j.circuitbreaker.CircuitBreaker.State.OPEN)))
			.isEqualTo(RedisFault.TRANSIENT);
	}

	@Test
	void aReplyAnywhereInTheCauseChainWins() {
		RedisConnectionFailureException failure = new RedisConnectionFailureException("Unable to connect",
				new RedisConnectionException("connect failed",
						new RedisCommandExecutionException("WRONGPASS invalid username-password pair")));
		assertThat(this.classifier.classify(failure)).isEqualTo(RedisFault.PERMANENT);
	}

	@Test
	void aCommandLettuceCancelsWhenItsConnectionDropsIsTransientButMayHaveBeenSent() {
		// Lettuce's DefaultEndpoint cancels the commands it still holds this way when the channel goes
		// inactive under DisconnectedBehavior.REJECT_COMMANDS; seen on Sentinel failover with Lettuce 7
		RedisException cancelled = new RedisException("Connection disconnected");
		assertThat(this.classifier.classify(cancelled)).isEqualTo(RedisFault.TRANSIENT);
		assertThat(RedisFaultClassifier.isNeverSent(cancelled)).isFalse();
	}

	@Test
	void callerMistakesAreInvalidUsage() {
		assertThat(this.classifier.classify(new IllegalArgumentException("bad"))).isEqualTo(RedisFault.INVALID_USAGE);
	}

	@Test
	void unknownErrorsArePermanent() {
		assertThat(this.classifier.classify(new IllegalStateException("?"))).isEqualTo(RedisFault.PERMANENT);
		assertThat(this.classifier.classify(new RedisException("something else"))).isEqualTo(RedisFault.PERMANENT);
	}

}
