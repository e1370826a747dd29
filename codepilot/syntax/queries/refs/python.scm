; References: @ref.<kind> on the node, @name on the name used, @object on what it is reached through.
(call function: (identifier) @name) @ref.call
(call function: (attribute object: (_) @object attribute: (identifier) @name)) @ref.call
(type (identifier) @name) @ref.type
(type (_ (identifier) @name)) @ref.type
(type (_ (_ (identifier) @name))) @ref.type
(type (attribute attribute: (identifier) @name)) @ref.type
(argument_list (identifier) @name) @ref.use
(decorator (identifier) @name) @ref.call
(decorator (attribute attribute: (identifier) @name)) @ref.call
(import_statement) @import
(import_from_statement) @import
; attribute reads (properties are used without a call); a call's own attribute is already a `call`
((attribute object: (_) @object attribute: (identifier) @name) @ref.attr)
