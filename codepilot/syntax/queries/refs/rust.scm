(call_expression function: (identifier) @name) @ref.call
(call_expression function: (scoped_identifier path: (_) @object name: (identifier) @name)) @ref.call
(call_expression function: (field_expression value: (_) @object field: (field_identifier) @name)) @ref.call
(macro_invocation macro: (identifier) @name) @ref.call
(struct_expression name: (type_identifier) @name) @ref.new
(type_identifier) @name @ref.type
