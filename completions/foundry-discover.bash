_foundry_discover_completion() {
    local IFS=$'
'
    COMPREPLY=( $( env COMP_WORDS="${COMP_WORDS[*]}" \
                   COMP_CWORD=$COMP_CWORD \
                   _FOUNDRY_DISCOVER_COMPLETE=complete_bash $1 ) )
    return 0
}

complete -o default -F _foundry_discover_completion foundry-discover
