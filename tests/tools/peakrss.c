/* peakrss OUT CMD [ARG...]: runs CMD, writes its peak resident set size in KiB
 * to the file OUT, and exits with CMD's status. Used by the constant-memory
 * tests instead of a timing or a GNU time dependency. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: peakrss OUT CMD [ARG...]\n");
		return 2;
	}
	pid_t pid = fork();
	if (pid < 0)
		return perror("fork"), 2;
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		perror(argv[2]);
		_exit(127);
	}
	int status;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) < 0)
		return perror("wait4"), 2;
	FILE *f = fopen(argv[1], "w");
	if (!f)
		return perror(argv[1]), 2;
	fprintf(f, "%ld\n", ru.ru_maxrss);
	fclose(f);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
