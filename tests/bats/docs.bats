#!/usr/bin/env bats
# The committed man page and shell completions are generated from the stage
# registry (`make docs`); they must equal what the binary prints, know every
# stage, be valid for their tools, and install at the standard paths.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	cd "$BATS_TEST_TMPDIR" || return 1
}

# committed PATH: fails with a hint when the generated file is not in the repo.
committed() {
	[ -f "$REPO/$1" ] || { echo "$1 is missing: run 'make docs' and commit it"; return 1; }
}

# same_as_generated PATH ARGS...: the committed PATH equals `gpipe ARGS...`.
same_as_generated() {
	local path=$1
	shift
	committed "$path"
	"$GPIPE" "$@" > generated
	diff -u "$REPO/$path" generated || { echo "$path differs from 'gpipe $*': run 'make docs'"; return 1; }
}

@test "man/gpipe.1 equals gpipe --dump-man" {
	same_as_generated man/gpipe.1 --dump-man
}

@test "completions/gpipe.bash equals gpipe --dump-completion bash" {
	same_as_generated completions/gpipe.bash --dump-completion bash
}

@test "completions/_gpipe equals gpipe --dump-completion zsh" {
	same_as_generated completions/_gpipe --dump-completion zsh
}

@test "completions/gpipe.fish equals gpipe --dump-completion fish" {
	same_as_generated completions/gpipe.fish --dump-completion fish
}

@test "every stage is in the man page and in each completion" {
	local f s
	for f in man/gpipe.1 completions/gpipe.bash completions/_gpipe completions/gpipe.fish; do
		committed "$f"
		for s in $("$GPIPE" --list-stages); do
			grep -qw -- "$s" "$REPO/$f" || { echo "stage $s not in $f"; return 1; }
		done
	done
	# The man page has an entry (.TP, bold synopsis) for each stage.
	for s in $("$GPIPE" --list-stages); do
		grep -q "^\\\\fB$s\\b" "$REPO/man/gpipe.1" || { echo "no entry for $s in man/gpipe.1"; return 1; }
	done
}

# The global options come from the binary's own table (src/options.c), shown
# by the hidden `gpipe --dump-options`: one a line, "LONG SHORT ARG", '-' for
# no short letter or no argument, ARG as --help shows it ("FILE", "[=WHEN]").

@test "--dump-options: the options of --help, each once, in the same order" {
	run --separate-stderr "$GPIPE" --dump-options
	[ "$status" -eq 0 ] && [ -z "$stderr" ]
	[ "${#lines[@]}" -ge 19 ]
	local l
	for l in "${lines[@]}"; do
		[[ $l =~ ^[a-z][a-z-]*\ ([a-zA-Z]|-)\ (-|[A-Z]+|\[=[A-Z]+\])$ ]] || { echo "bad line: $l"; return 1; }
	done
	[ -z "$(printf '%s\n' "${lines[@]}" | cut -d' ' -f1 | sort | uniq -d)" ]
	# The long names in the Options section of --help, in order.
	"$GPIPE" --help | awk '/^Options:$/ { on = 1; next } /^$/ { on = 0 }
		on && /^  (-[a-zA-Z], |    )--/ { sub(/^  (-[a-zA-Z], |    )--/, ""); sub(/[[ ].*/, ""); print }' > help-names
	printf '%s\n' "${lines[@]}" | cut -d' ' -f1 > table-names
	diff -u table-names help-names
	# Options documented nowhere are left out: --dump-man and the like.
	! grep -q '^dump-' table-names
}

@test "every global option is in --help, the man page and each completion, with its letter and argument" {
	local f long short arg label man
	"$GPIPE" --help > help
	"$GPIPE" --dump-options > options
	[ -s options ]
	for f in man/gpipe.1 completions/gpipe.bash completions/_gpipe completions/gpipe.fish; do
		committed "$f"
	done
	while read -r long short arg; do
		# --help: "  -f, --file FILE" or "      --color[=WHEN]", then the text.
		label="--$long"
		[ "$short" = - ] && label="    $label" || label="-$short, $label"
		case $arg in -) ;; '['*) label+=$arg ;; *) label+=" $arg" ;; esac
		awk -v l="  $label" 'index($0, l) == 1 && substr($0, length(l) + 1, 1) ~ /^ ?$/ { f = 1 }
			END { exit !f }' help ||
			{ echo "'$label' not in --help"; return 1; }
		# man: ".TP" then "\fB\-f\fR, \fB\-\-file\fR \fIFILE\fR".
		man="\\fB\\-\\-${long//-/\\-}\\fR"
		[ "$short" = - ] || man="\\fB\\-$short\\fR, $man"
		case $arg in -) ;; '['*) man+="\\fI$arg\\fR" ;; *) man+=" \\fI$arg\\fR" ;; esac
		grep -qxF -- "$man" "$REPO/man/gpipe.1" || { echo "'$man' not in man/gpipe.1"; return 1; }
		# bash: in the list of options, with its letter.
		grep -qE -- "^    opts=\"(.* )?--$long( -$short)?[ \"]" "$REPO/completions/gpipe.bash" ||
			{ echo "--$long not in completions/gpipe.bash"; return 1; }
		[ "$short" = - ] || grep -qE -- "^    opts=\".*--$long -$short[ \"]" "$REPO/completions/gpipe.bash" ||
			{ echo "-$short not in completions/gpipe.bash"; return 1; }
		# zsh: '(-f --file)'{-f,--file}'[...' or '--raw[...' or '--color=-[...'.
		if [ "$short" = - ]; then
			grep -qE -- "^    '--$long(=-)?\\[" "$REPO/completions/_gpipe"
		else
			grep -qF -- "    '(-$short --$long)'{-$short,--$long}'[" "$REPO/completions/_gpipe"
		fi || { echo "--$long not in completions/_gpipe"; return 1; }
		# fish: complete -c gpipe -l file -s f.
		if [ "$short" = - ]; then
			grep -qE -- "^complete -c gpipe -l $long( |\$)" "$REPO/completions/gpipe.fish"
		else
			grep -qE -- "^complete -c gpipe -l $long -s $short( |\$)" "$REPO/completions/gpipe.fish"
		fi || { echo "--$long not in completions/gpipe.fish"; return 1; }
	done < options
}

@test "the man page's version is the binary's" {
	committed man/gpipe.1
	local v
	v=$("$GPIPE" --version)
	grep -q "^\\.TH GPIPE 1 .*\"$v\"" "$REPO/man/gpipe.1"
}

@test "man renders the page without warnings" {
	command -v man > /dev/null || skip "man is not installed"
	committed man/gpipe.1
	run --separate-stderr env MANWIDTH=80 man --warnings -l "$REPO/man/gpipe.1"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ] || { echo "warnings: $stderr"; return 1; }
	[[ ${lines[0]} == GPIPE\(1\)*GPIPE\(1\) ]]
	[[ $output == *'SYNOPSIS'*'STAGES'*'EXIT STATUS'* ]]
	# The caret example survives roff: the caret under 'uper'.
	local l
	l=$(grep -n "grep ERROR | uper" <<<"$output" | head -1 | cut -d: -f1)
	[ -n "$l" ]
	local text caret
	text=$(sed -n "${l}p" <<<"$output")
	caret=$(sed -n "$((l + 1))p" <<<"$output")
	local pre=${text%%uper*}
	[ "$caret" = "$(printf '%*s^^^^' "${#pre}" '')" ] || { printf '%s\n%s\n' "$text" "$caret"; return 1; }
}

@test "bash -n completions/gpipe.bash" {
	committed completions/gpipe.bash
	bash -n "$REPO/completions/gpipe.bash"
}

# Runs the generated bash completion on the words given (the last one is being
# completed) and prints COMPREPLY, one word a line.
bash_complete() {
	"$GPIPE" --dump-completion bash > comp.bash
	bash -c 'compopt() { :; }; . ./comp.bash; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_gpipe; printf "%s\n" "${COMPREPLY[@]}"' _ "$@"
}

@test "bash completion: the value after -o, --seed or --max-record is not the expression" {
	run bash_complete gpipe -o js
	[ "$output" = json ]
	run bash_complete gpipe --output t
	[ "$(printf '%s\n' "${lines[@]}" | sort)" = "$(printf 'text\ntsv\n')" ]
	# After the option's value, the next word is the expression: stages.
	for opt in -o --output --seed --max-record; do
		run bash_complete gpipe "$opt" 1 upp
		[ "$output" = upper ] || { echo "after $opt 1: $output"; return 1; }
	done
	# --color takes its value only attached: a separate word is the expression.
	run bash_complete gpipe --color upp
	[ "$output" = upper ]
	run bash_complete gpipe --color=al
	[ "$output" = --color=always ]
	# -f FILE holds the expression: the next word is a file.
	touch upfile
	run bash_complete gpipe -f x upf
	[ "$output" = upfile ]
}

@test "zsh -n completions/_gpipe" {
	command -v zsh > /dev/null || skip "zsh is not installed"
	committed completions/_gpipe
	zsh -n "$REPO/completions/_gpipe"
}

@test "fish -n completions/gpipe.fish" {
	command -v fish > /dev/null || skip "fish is not installed"
	committed completions/gpipe.fish
	fish -n "$REPO/completions/gpipe.fish"
}

# complete WORD...: runs _gpipe with COMP_WORDS=(gpipe WORD...), the cursor
# on the last word; prints COMPREPLY one a line.
complete_words() {
	bash -c '
		source "$1" || exit 3
		shift
		COMP_WORDS=(gpipe "$@")
		COMP_CWORD=$#
		COMP_LINE="gpipe $*"
		COMP_POINT=${#COMP_LINE}
		_gpipe
		printf "%s\n" "${COMPREPLY[@]}"' _ "$REPO/completions/gpipe.bash" "$@"
}

@test "bash completion: stage names for the expression" {
	committed completions/gpipe.bash
	run --separate-stderr complete_words gr
	[ "$status" -eq 0 ]
	[ "$output" = grep ]
	run --separate-stderr complete_words "'grep x | up"
	[ "$status" -eq 0 ]
	[ "$output" = "'grep x | upper" ]
	run --separate-stderr complete_words "'grep x|t"
	[ "$(printf '%s\n' "${lines[@]}" | sort)" = "$(printf '%s\n' "'grep x|tail" "'grep x|top" "'grep x|trim" "'grep x|tsv")" ]
	run --separate-stderr complete_words -n "'"
	[ "$(printf '%s\n' "${lines[@]}" | sort)" = "$( (printf "'%s\n" $("$GPIPE" --list-stages) help) | sort)" ]
}

@test "bash completion: options, option values, help STAGE, then files" {
	committed completions/gpipe.bash
	run --separate-stderr complete_words --col
	[ "$(printf '%s\n' "${lines[@]}" | sort)" = "$(printf '%s\n' --color --colour)" ]
	run --separate-stderr complete_words --color=al
	[ "$output" = '--color=always' ]
	run --separate-stderr complete_words help low
	[ "$output" = 'lower' ]
	touch app.log
	run --separate-stderr complete_words 'grep x' ap
	[ "$output" = 'app.log' ]
}

@test "make install DESTDIR=… PREFIX=/usr installs binary, man page and completions" {
	local d="$BATS_TEST_TMPDIR/root"
	run make -s -C "$REPO" install DESTDIR="$d" PREFIX=/usr
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	[ -x "$d/usr/bin/gpipe" ]
	[ "$("$d/usr/bin/gpipe" --version)" = "$("$GPIPE" --version)" ]
	cmp "$REPO/man/gpipe.1" "$d/usr/share/man/man1/gpipe.1"
	cmp "$REPO/completions/gpipe.bash" "$d/usr/share/bash-completion/completions/gpipe"
	cmp "$REPO/completions/_gpipe" "$d/usr/share/zsh/site-functions/_gpipe"
	cmp "$REPO/completions/gpipe.fish" "$d/usr/share/fish/vendor_completions.d/gpipe.fish"
	[ "$(stat -c %a "$d/usr/bin/gpipe")" = 755 ]
	[ "$(stat -c %a "$d/usr/share/man/man1/gpipe.1")" = 644 ]
	# Nothing else was installed.
	[ "$(cd "$d" && find . -type f | sort)" = "$(printf '%s\n' \
		./usr/bin/gpipe \
		./usr/share/bash-completion/completions/gpipe \
		./usr/share/fish/vendor_completions.d/gpipe.fish \
		./usr/share/man/man1/gpipe.1 \
		./usr/share/zsh/site-functions/_gpipe)" ]
	run make -s -C "$REPO" uninstall DESTDIR="$d" PREFIX=/usr
	[ "$status" -eq 0 ]
	[ -z "$(find "$d" -type f)" ]
}
