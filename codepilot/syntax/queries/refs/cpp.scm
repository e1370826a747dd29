(call_expression function: (identifier) @name) @ref.call
(call_expression function: (field_expression argument: (_) @object field: (field_identifier) @name)) @ref.call
(call_expression function: (qualified_identifier scope: (_) @object name: (identifier) @name)) @ref.call
(new_expression type: (type_identifier) @name) @ref.new
(type_identifier) @name @ref.type
