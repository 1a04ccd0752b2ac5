package io.github.agentmemory.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.github.agentmemory.redis.test.RedisServerExtension;
import io.github.agentmemory.redis.test.TemplateContexts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The connection the template sends its commands on, against a real Redis.
 */
class LettuceNativeConnectionIntegrationTests {

	@RegisterExtension
	static final RedisServerExtension redis = new RedisServerExtension();

	@Test
	void callsMadeWhileTheConnectionOpensAreSentInIssueOrder() {
		TemplateContexts.runner(redis).run((context) -> {
			AsyncResilientRedisTemplate template = context.getBean(AsyncResilientRedisTemplate.class);
			// nothing is connected yet: every call waits for the same connection attempt
			List<CompletableFuture<Boolean>> sets = new ArrayList<>();
			for (int i = 0; i < 200; i++) {
				sets.add(template.set("k", String.valueOf(i)));
			}
			CompletableFuture.allOf(sets.toArray(CompletableFuture[]::new)).join();
			assertThat(redis.admin().get("k")).as("the last write issued").isEqualTo("199");
		});
	}

}
