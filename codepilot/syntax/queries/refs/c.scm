(call_expression function: (identifier) @name) @ref.call
(call_expression function: (field_expression argument: (_) @object field: (field_identifier) @name)) @ref.call
(type_identifier) @name @ref.type
