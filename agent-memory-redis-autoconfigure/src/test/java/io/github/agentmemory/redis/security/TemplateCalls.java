package io.github.agentmemory.redis.security;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import io.github.agentmemory.redis.AsyncResilientRedisTemplate;

import org.springframework.boot.test.context.assertj.AssertableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The template of a test's context, and what a call of it failed with: shared by the
 * authentication, ACL and TLS tests.
 */
final class TemplateCalls {

	private TemplateCalls() {
	}

	/**
	 * The template of a context that must have started.
	 * @param context the context
	 * @return its template
	 */
	static AsyncResilientRedisTemplate template(AssertableApplicationContext context) {
		assertThat(context).hasNotFailed();
		return context.getBean(AsyncResilientRedisTemplate.class);
	}

	/**
	 * The error a call of the template failed with.
	 * @param call the call, which must complete exceptionally
	 * @return the cause of its {@link CompletionException}
	 */
	static Throwable failure(CompletableFuture<?> call) {
		Throwable thrown = catchThrowable(call::join);
		assertThat(thrown).isInstanceOf(CompletionException.class);
		return thrown.getCause();
	}

}
