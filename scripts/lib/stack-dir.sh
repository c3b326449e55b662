# Sourced by scripts/test and scripts/demo: where a mail stack's state folder goes.
#
# Dovecot's mail processes and Postfix run as their own users and must be able to walk down to
# the state folder. A clone under a private folder (mode 0700: /root, or mktemp -d, as CI may
# use) is not walkable, so the state then goes under /var/tmp, named after the clone.
# Usage: stack_dir NAME  → prints the folder for the stack NAME (e.g. test-mailstack)
stack_dir() {
  local name=$1 dir=$PWD
  while [[ $dir != / ]]; do
    if (( ( 8#$(stat -c %a "$dir") & 1 ) == 0 )); then
      printf '/var/tmp/kontakt-%s-%s\n' "$name" "$(printf '%s' "$PWD" | md5sum | cut -c1-8)"
      return
    fi
    dir=$(dirname "$dir")
  done
  printf '%s/var/%s\n' "$PWD" "$name"
}
